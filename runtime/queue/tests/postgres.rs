//! The PostgreSQL queue engine against a real PostgreSQL: the SQS FIFO semantics the workers
//! rely on (docs/queues.md).

use code_remote_queue::postgres::{self, PgQueue};
use code_remote_queue::{consume, ConsumerOptions, FifoPair, MessageHandler, Queue, QueueError};
use code_remote_testkit::migrated_database;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const NO_WAIT: Duration = Duration::ZERO;

/// The queue `jobs.fifo` with its dead-letter queue `jobs-dlq.fifo`.
async fn queues(pool: &PgPool, visibility: Duration, max_receives: u32) -> (PgQueue, PgQueue) {
    postgres::install(pool).await.unwrap();
    let pair = FifoPair {
        base: "jobs".into(),
        visibility_timeout: visibility,
        max_receive_count: max_receives,
    };
    postgres::create_fifo_pair(pool, &pair).await.unwrap();
    (
        PgQueue::open(pool.clone(), "jobs.fifo").await.unwrap(),
        PgQueue::open(pool.clone(), "jobs-dlq.fifo").await.unwrap(),
    )
}

fn bodies(messages: &[code_remote_queue::ReceivedMessage]) -> Vec<&str> {
    messages.iter().map(|m| m.body.as_str()).collect()
}

#[tokio::test]
async fn a_group_is_delivered_in_order_one_message_at_a_time() {
    let (_db, pool) = migrated_database().await;
    let (queue, _) = queues(&pool, Duration::from_secs(30), 5).await;
    for n in 1..=3 {
        queue
            .send(&format!("a{n}"), "alice", &format!("a{n}"))
            .await
            .unwrap();
    }
    let first = queue.receive(10, NO_WAIT).await.unwrap();
    assert_eq!(bodies(&first), ["a1"]);
    assert_eq!(first[0].group.as_deref(), Some("alice"));
    assert!(
        queue.receive(10, NO_WAIT).await.unwrap().is_empty(),
        "nothing of the group while its first message is in flight"
    );
    queue
        .delete(&[first[0].receipt_handle.as_str()])
        .await
        .unwrap();
    let second = queue.receive(10, NO_WAIT).await.unwrap();
    assert_eq!(bodies(&second), ["a2"]);
    queue
        .delete(&[second[0].receipt_handle.as_str()])
        .await
        .unwrap();
    assert_eq!(bodies(&queue.receive(10, NO_WAIT).await.unwrap()), ["a3"]);
}

#[tokio::test]
async fn groups_are_delivered_side_by_side_oldest_first() {
    let (_db, pool) = migrated_database().await;
    let (queue, _) = queues(&pool, Duration::from_secs(30), 5).await;
    for (body, group) in [
        ("a1", "alice"),
        ("b1", "bob"),
        ("a2", "alice"),
        ("c1", "carol"),
    ] {
        queue.send(body, group, body).await.unwrap();
    }
    let batch = queue.receive(10, NO_WAIT).await.unwrap();
    assert_eq!(bodies(&batch), ["a1", "b1", "c1"]);
    let limited = {
        for message in &batch {
            queue
                .delete(&[message.receipt_handle.as_str()])
                .await
                .unwrap();
        }
        queue.receive(1, NO_WAIT).await.unwrap()
    };
    assert_eq!(bodies(&limited), ["a2"]);
}

#[tokio::test]
async fn an_undeleted_message_comes_back_after_its_visibility_timeout() {
    let (_db, pool) = migrated_database().await;
    let (queue, _) = queues(&pool, Duration::from_millis(300), 5).await;
    queue.send("job", "alice", "job-1").await.unwrap();
    let first = queue.receive(10, NO_WAIT).await.unwrap();
    assert_eq!(bodies(&first), ["job"]);
    assert!(queue.receive(10, NO_WAIT).await.unwrap().is_empty());
    let again = queue.receive(10, Duration::from_secs(10)).await.unwrap();
    assert_eq!(
        bodies(&again),
        ["job"],
        "redelivered once the timeout passed"
    );
    assert_eq!(again[0].id, first[0].id, "the same message");
    assert_ne!(again[0].receipt_handle, first[0].receipt_handle);
    // The first receive's handle is stale: deleting with it leaves the message.
    queue
        .delete(&[first[0].receipt_handle.as_str()])
        .await
        .unwrap();
    assert_eq!(queue.depth().await.unwrap(), 1);
    queue
        .delete(&[again[0].receipt_handle.as_str()])
        .await
        .unwrap();
    assert_eq!(queue.depth().await.unwrap(), 0);
}

#[tokio::test]
async fn a_message_received_too_often_moves_to_the_dead_letter_queue() {
    let (_db, pool) = migrated_database().await;
    let (queue, dead_letters) = queues(&pool, Duration::from_millis(200), 2).await;
    queue.send("poison", "mallory", "p-1").await.unwrap();
    queue.send("fine", "alice", "f-1").await.unwrap();
    let mut received = 0;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        let batch = queue.receive(10, Duration::from_millis(300)).await.unwrap();
        for message in batch {
            if message.body == "fine" {
                queue
                    .delete(&[message.receipt_handle.as_str()])
                    .await
                    .unwrap();
            } else {
                received += 1;
            }
        }
        if dead_letters.depth().await.unwrap() == 1 {
            break;
        }
    }
    assert_eq!(
        received, 2,
        "delivered max_receive_count times, then dead-lettered"
    );
    assert_eq!(queue.depth().await.unwrap(), 0);
    let dead = dead_letters.receive(10, NO_WAIT).await.unwrap();
    assert_eq!(bodies(&dead), ["poison"]);
    assert_eq!(dead[0].group.as_deref(), Some("mallory"));
}

#[tokio::test]
async fn a_deduplication_id_is_sent_once_per_group() {
    let (_db, pool) = migrated_database().await;
    let (queue, _) = queues(&pool, Duration::from_secs(30), 5).await;
    queue.send("first", "alice", "job-1").await.unwrap();
    queue.send("retry", "alice", "job-1").await.unwrap();
    queue.send("other group", "bob", "job-1").await.unwrap();
    let batch = queue.receive(10, NO_WAIT).await.unwrap();
    assert_eq!(bodies(&batch), ["first", "other group"]);
    for message in &batch {
        queue
            .delete(&[message.receipt_handle.as_str()])
            .await
            .unwrap();
    }
    // Still a duplicate after the first copy was handled: the window is five minutes.
    queue.send("late retry", "alice", "job-1").await.unwrap();
    assert!(queue.receive(10, NO_WAIT).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_missing_queue_or_engine_is_named_at_open() {
    let (_db, pool) = migrated_database().await;
    let missing = PgQueue::open(pool.clone(), "jobs.fifo").await.unwrap_err();
    assert!(
        matches!(missing, QueueError::UnknownQueue(ref name) if name == "jobs.fifo"),
        "{missing}"
    );
    // Installing twice at once is harmless.
    let (a, b) = tokio::join!(postgres::install(&pool), postgres::install(&pool));
    a.unwrap();
    b.unwrap();
    let missing = PgQueue::open(pool.clone(), "nope.fifo").await.unwrap_err();
    assert!(missing.to_string().contains("nope.fifo"), "{missing}");
    let stale = queues(&pool, Duration::from_secs(1), 1).await.0;
    assert!(matches!(
        stale.delete(&["not-a-receipt"]).await,
        Err(QueueError::InvalidReceipt(_))
    ));
}

#[tokio::test]
async fn a_long_poll_returns_what_is_sent_while_it_waits() {
    let (_db, pool) = migrated_database().await;
    let (queue, _) = queues(&pool, Duration::from_secs(30), 5).await;
    let waiting = tokio::spawn({
        let queue = queue.clone();
        async move { queue.receive(10, Duration::from_secs(20)).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    queue.send("late", "alice", "late-1").await.unwrap();
    let received = waiting.await.unwrap().unwrap();
    assert_eq!(bodies(&received), ["late"]);
}

/// Records, per group, the order messages were handled and whether two overlapped.
#[derive(Clone, Default)]
struct Recorder {
    in_flight: Arc<Mutex<HashMap<String, usize>>>,
    handled: Arc<Mutex<Vec<String>>>,
    overlaps: Arc<Mutex<usize>>,
}

impl MessageHandler for Recorder {
    type Error = std::convert::Infallible;

    async fn handle(&self, body: String) -> Result<(), Self::Error> {
        let group = body.split(':').next().unwrap_or_default().to_owned();
        {
            let mut in_flight = self.in_flight.lock().unwrap();
            let count = in_flight.entry(group.clone()).or_default();
            *count += 1;
            if *count > 1 {
                *self.overlaps.lock().unwrap() += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        self.handled.lock().unwrap().push(body);
        *self.in_flight.lock().unwrap().get_mut(&group).unwrap() -= 1;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_consumers_keep_each_group_in_order_and_never_overlap_it() {
    let (_db, pool) = migrated_database().await;
    let (queue, _) = queues(&pool, Duration::from_secs(30), 5).await;
    let groups = ["alice", "bob", "carol", "dave", "erin"];
    for n in 0..20 {
        for group in groups {
            let body = format!("{group}:{n:02}");
            queue.send(&body, group, &body).await.unwrap();
        }
    }
    let recorder = Recorder::default();
    let queue = Queue::Postgres(queue);
    let options = ConsumerOptions {
        slots: 4,
        wait: Duration::from_millis(200),
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let consumers: Vec<_> = (0..3)
        .map(|_| {
            let (queue, recorder, mut stopped) = (queue.clone(), recorder.clone(), stopped.clone());
            tokio::spawn(async move {
                consume(&queue, options, recorder, async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .await
            })
        })
        .collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while recorder.handled.lock().unwrap().len() < 100 {
        assert!(std::time::Instant::now() < deadline, "not all handled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(true).unwrap();
    for consumer in consumers {
        consumer.await.unwrap();
    }
    assert_eq!(
        *recorder.overlaps.lock().unwrap(),
        0,
        "a group ran two messages at once"
    );
    let handled = recorder.handled.lock().unwrap().clone();
    assert_eq!(handled.len(), 100, "each message handled once");
    for group in groups {
        let order: Vec<&String> = handled.iter().filter(|b| b.starts_with(group)).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted, "{group} out of order");
    }
    assert_eq!(queue.depth().await.unwrap(), 0, "all deleted");
}

/// Fails its first call by never finishing it (a worker that dies mid-job).
#[derive(Clone, Default)]
struct DiesOnce {
    calls: Arc<Mutex<Vec<String>>>,
}

impl MessageHandler for DiesOnce {
    type Error = std::convert::Infallible;

    async fn handle(&self, body: String) -> Result<(), Self::Error> {
        let first = {
            let mut calls = self.calls.lock().unwrap();
            calls.push(body);
            calls.len() == 1
        };
        if first {
            std::future::pending::<()>().await;
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_killed_mid_message_leaves_it_for_the_next_one() {
    let (_db, pool) = migrated_database().await;
    let (queue, _) = queues(&pool, Duration::from_millis(500), 5).await;
    queue.send("job", "alice", "job-1").await.unwrap();
    let queue = Queue::Postgres(queue);
    let handler = DiesOnce::default();
    let options = ConsumerOptions {
        slots: 2,
        wait: Duration::from_millis(100),
    };
    let first = tokio::spawn({
        let (queue, handler) = (queue.clone(), handler.clone());
        async move { consume(&queue, options, handler, std::future::pending()).await }
    });
    while handler.calls.lock().unwrap().is_empty() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.abort();
    let _ = first.await;
    assert_eq!(queue.depth().await.unwrap(), 1, "kept for a retry");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let second = tokio::spawn({
        let (queue, handler) = (queue.clone(), handler.clone());
        async move {
            consume(&queue, options, handler, async {
                let _ = stopped.await;
            })
            .await
        }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while queue.depth().await.unwrap() > 0 {
        assert!(std::time::Instant::now() < deadline, "never redelivered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop.send(());
    second.await.unwrap();
    assert_eq!(*handler.calls.lock().unwrap(), ["job", "job"]);
}

/// Panics on "boom", records every other body it handles.
#[derive(Clone, Default)]
struct PanicsOnBoom {
    handled: Arc<Mutex<Vec<String>>>,
}

impl MessageHandler for PanicsOnBoom {
    type Error = std::convert::Infallible;

    async fn handle(&self, body: String) -> Result<(), Self::Error> {
        if body == "boom" {
            panic!("handler bug");
        }
        self.handled.lock().unwrap().push(body);
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_message_does_not_take_its_batch_mates_to_the_dead_letter_queue() {
    let (_db, pool) = migrated_database().await;
    // Long enough that "fine" is handled and deleted within it on a loaded machine (at least
    // once delivery would otherwise hand it out again), short enough to dead-letter "boom" soon.
    let (queue, dead_letters) = queues(&pool, Duration::from_secs(1), 2).await;
    queue.send("boom", "mallory", "boom").await.unwrap();
    queue.send("fine", "alice", "fine").await.unwrap();
    let handler = PanicsOnBoom::default();
    let consumer = tokio::spawn({
        let (queue, handler) = (Queue::Postgres(queue.clone()), handler.clone());
        let options = ConsumerOptions {
            slots: 10,
            wait: Duration::from_millis(200),
        };
        async move { consume(&queue, options, handler, std::future::pending()).await }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while queue.depth().await.unwrap() > 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    consumer.abort();
    let dead = dead_letters.receive(10, NO_WAIT).await.unwrap();
    assert_eq!(
        *handler.handled.lock().unwrap(),
        ["fine"],
        "a message that succeeded is handled once and deleted"
    );
    assert_eq!(
        bodies(&dead),
        ["boom"],
        "only the panicking message is dead-lettered"
    );
}

#[tokio::test]
async fn a_group_is_delivered_in_the_order_its_sends_committed() {
    let (_db, pool) = migrated_database().await;
    let (queue, _) = queues(&pool, Duration::from_millis(300), 5).await;
    // A send whose transaction commits late: a later send of its group waits for it, so no
    // message can be delivered, fail, and then be overtaken by the late one on its retry.
    let mut slow = pool.begin().await.unwrap();
    sqlx::query("SELECT code_remote_queue.send('jobs.fifo', 'alice', 'a', 'A')")
        .execute(&mut *slow)
        .await
        .unwrap();
    let later = tokio::spawn({
        let queue = queue.clone();
        async move { queue.send("B", "alice", "b").await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !later.is_finished(),
        "the later send waits for the earlier one of its group"
    );
    assert!(queue.receive(10, NO_WAIT).await.unwrap().is_empty());
    slow.commit().await.unwrap();
    later.await.unwrap().unwrap();
    let first = queue.receive(10, NO_WAIT).await.unwrap();
    assert_eq!(bodies(&first), ["A"]);
    // A fails (not deleted): its retry still comes before B.
    let again = queue.receive(10, Duration::from_secs(5)).await.unwrap();
    assert_eq!(bodies(&again), ["A"]);
    queue
        .send("C", "bob", "c")
        .await
        .expect("other groups never wait");
}

#[tokio::test]
async fn a_pool_of_one_connection_still_sends_and_receives() {
    let (db, _pool) = migrated_database().await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(3))
        .connect(db.url())
        .await
        .unwrap();
    let (queue, _) = queues(&pool, Duration::from_secs(30), 5).await;
    queue.send("one", "alice", "one").await.unwrap();
    let _ = queue.receive(10, Duration::from_millis(500)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    queue
        .send("two", "bob", "two")
        .await
        .expect("send after the first receive");
    let received = queue.receive(10, NO_WAIT).await.expect("second receive");
    assert!(!received.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_during_a_receive_still_handles_and_deletes_what_it_took() {
    let (_db, pool) = migrated_database().await;
    let (queue, _) = queues(&pool, Duration::from_secs(30), 5).await;
    queue.send("job", "alice", "job-1").await.unwrap();
    // Another consumer's receive holds the queue's receive lock for a moment.
    let mut other = pool.begin().await.unwrap();
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtext('code_remote_queue'), hashtext('jobs.fifo'))",
    )
    .execute(&mut *other)
    .await
    .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let recorder = Recorder::default();
    let consumer = tokio::spawn({
        let (queue, recorder) = (Queue::Postgres(queue.clone()), recorder.clone());
        let options = ConsumerOptions {
            slots: 2,
            wait: Duration::from_secs(5),
        };
        async move {
            consume(&queue, options, recorder, async {
                let _ = stopped.await;
            })
            .await
        }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Shutdown arrives while the receive waits; then the receive gets the lock and takes the job.
    let _ = stop.send(());
    tokio::time::sleep(Duration::from_millis(200)).await;
    other.commit().await.unwrap();
    tokio::time::timeout(Duration::from_secs(20), consumer)
        .await
        .expect("the consumer stops once what it took is handled")
        .unwrap();
    assert_eq!(*recorder.handled.lock().unwrap(), ["job"]);
    assert_eq!(
        queue.depth().await.unwrap(),
        0,
        "handled and deleted, not left claimed"
    );
}
