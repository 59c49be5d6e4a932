//! The PostgreSQL queue engine: FIFO queues in the stack's own database, for local stacks
//! (docs/queues.md). The SQL functions in `schema.sql` hold the semantics (per-group order,
//! deduplication, visibility timeout, receive count, dead-lettering); this module calls them,
//! one round trip per operation, and turns `LISTEN` wake-ups into long polls.

use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use sqlx::Row;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use code_remote_config::QueueAddress;

use crate::{FifoPair, QueueError, ReceivedMessage};

/// The channel every send and delete notifies, with the queue's name as payload.
const CHANNEL: &str = "code_remote_queue";

/// How often a waiting receive looks again without a wake-up (visibility timeouts expire
/// silently, and a notification can be lost while the listener reconnects).
const RECHECK: Duration = Duration::from_millis(250);

/// One queue's row in `code_remote_queue.queues`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct QueueDefinition {
    /// The queue's name (ends in `.fifo`).
    name: String,
    /// How long a received message stays invisible to other receivers.
    visibility_timeout: Duration,
    /// Receives after which the next one moves the message to `dead_letter_queue`.
    max_receive_count: u32,
    /// The queue that takes messages received too often; `None` keeps them forever.
    dead_letter_queue: Option<String>,
}

/// Creates the engine's tables and functions if they are missing (idempotent, safe to run
/// from several processes at once).
pub async fn install(pool: &PgPool) -> Result<(), QueueError> {
    let mut transaction = pool.begin().await.map_err(database)?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('code_remote_queue'), 0)")
        .execute(&mut *transaction)
        .await
        .map_err(database)?;
    sqlx::raw_sql(include_str!("schema.sql"))
        .execute(&mut *transaction)
        .await
        .map_err(database)?;
    transaction.commit().await.map_err(database)
}

/// Creates `definition`'s queue, or updates its attributes if it exists.
async fn create_queue(pool: &PgPool, definition: &QueueDefinition) -> Result<(), QueueError> {
    sqlx::query(
        "INSERT INTO code_remote_queue.queues
             (name, visibility_timeout, max_receive_count, dead_letter_queue)
         VALUES ($1, make_interval(secs => $2), $3, $4)
         ON CONFLICT (name) DO UPDATE SET visibility_timeout = EXCLUDED.visibility_timeout,
             max_receive_count = EXCLUDED.max_receive_count,
             dead_letter_queue = EXCLUDED.dead_letter_queue",
    )
    .bind(&definition.name)
    .bind(definition.visibility_timeout.as_secs_f64())
    .bind(i32::try_from(definition.max_receive_count).unwrap_or(i32::MAX))
    .bind(&definition.dead_letter_queue)
    .execute(pool)
    .await
    .map_err(database)?;
    Ok(())
}

/// Creates `pair`'s queue and its dead-letter queue (updating their attributes if they exist);
/// returns their addresses.
pub async fn create_fifo_pair(
    pool: &PgPool,
    pair: &FifoPair,
) -> Result<(QueueAddress, QueueAddress), QueueError> {
    let dead_letters = QueueDefinition {
        name: pair.dead_letter_name(),
        visibility_timeout: pair.visibility_timeout,
        max_receive_count: pair.max_receive_count,
        dead_letter_queue: None,
    };
    let queue = QueueDefinition {
        name: pair.name(),
        visibility_timeout: pair.visibility_timeout,
        max_receive_count: pair.max_receive_count,
        dead_letter_queue: Some(dead_letters.name.clone()),
    };
    create_queue(pool, &dead_letters).await?;
    create_queue(pool, &queue).await?;
    Ok((
        QueueAddress::Postgres { name: queue.name },
        QueueAddress::Postgres {
            name: dead_letters.name,
        },
    ))
}

/// One queue of the engine.
#[derive(Debug, Clone)]
pub struct PgQueue {
    pool: PgPool,
    name: Arc<str>,
    wake: Arc<Wakeups>,
}

/// The wake-ups of one queue: a listener task started by the first receive.
#[derive(Debug, Default)]
struct Wakeups {
    notify: Notify,
    listener: OnceLock<JoinHandle<()>>,
}

impl Drop for Wakeups {
    fn drop(&mut self) {
        if let Some(task) = self.listener.get() {
            task.abort();
        }
    }
}

impl PgQueue {
    /// The queue `name` in `pool`'s database; fails if the engine is not installed there or
    /// the queue does not exist, so a misconfigured process stops at start-up.
    pub async fn open(pool: PgPool, name: &str) -> Result<Self, QueueError> {
        let found: Option<bool> =
            sqlx::query_scalar("SELECT true FROM code_remote_queue.queues WHERE name = $1")
                .bind(name)
                .fetch_optional(&pool)
                .await
                .map_err(|err| match &err {
                    sqlx::Error::Database(db) if db.code().as_deref() == Some("42P01") => {
                        QueueError::UnknownQueue(name.to_owned())
                    }
                    _ => database(err),
                })?;
        if found.is_none() {
            return Err(QueueError::UnknownQueue(name.to_owned()));
        }
        Ok(Self {
            pool,
            name: name.into(),
            wake: Arc::default(),
        })
    }

    /// The queue's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sends `body` in `group`, unless `deduplication_id` was sent in that group in the last
    /// five minutes.
    pub async fn send(
        &self,
        body: &str,
        group: &str,
        deduplication_id: &str,
    ) -> Result<(), QueueError> {
        crate::engine::check_message(body, group, deduplication_id)?;
        sqlx::query("SELECT code_remote_queue.send($1, $2, $3, $4)")
            .bind(&*self.name)
            .bind(group)
            .bind(deduplication_id)
            .bind(body)
            .execute(&self.pool)
            .await
            .map_err(database)?;
        Ok(())
    }

    /// Receives up to `max` messages, waiting up to `wait` for the first.
    pub async fn receive(
        &self,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<ReceivedMessage>, QueueError> {
        self.listen();
        let deadline = Instant::now() + wait;
        loop {
            // Registered before looking, so a send between the look and the wait still wakes us.
            let woken = self.wake.notify.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            let messages = self.receive_now(max).await?;
            let now = Instant::now();
            if !messages.is_empty() || now >= deadline {
                return Ok(messages);
            }
            let _ = tokio::time::timeout((deadline - now).min(RECHECK), woken).await;
        }
    }

    async fn receive_now(&self, max: usize) -> Result<Vec<ReceivedMessage>, QueueError> {
        let rows = sqlx::query(
            "SELECT message_id, receipt, group_id, body FROM code_remote_queue.receive($1, $2)",
        )
        .bind(&*self.name)
        .bind(i32::try_from(max.clamp(1, 10)).unwrap_or(10))
        .fetch_all(&self.pool)
        .await
        .map_err(database)?;
        rows.into_iter()
            .map(|row| {
                Ok(ReceivedMessage {
                    id: row.try_get::<uuid::Uuid, _>("message_id")?.to_string(),
                    receipt_handle: row.try_get::<uuid::Uuid, _>("receipt")?.to_string(),
                    group: Some(row.try_get("group_id")?),
                    body: row.try_get("body")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(database)
    }

    /// Deletes handled messages by their latest receipt handles, in one round trip; a stale
    /// handle (the message was received again since) deletes nothing, and that is not an error.
    /// A handle this engine never gave out deletes nothing; the valid ones are still deleted,
    /// and the first invalid one is then reported.
    pub async fn delete(&self, receipt_handles: &[&str]) -> Result<(), QueueError> {
        let (receipts, invalid): (Vec<_>, Vec<_>) = receipt_handles
            .iter()
            .map(|handle| handle.parse::<uuid::Uuid>().map_err(|_| *handle))
            .partition(Result::is_ok);
        let receipts: Vec<uuid::Uuid> = receipts.into_iter().flatten().collect();
        sqlx::query("SELECT code_remote_queue.delete($1, $2)")
            .bind(&*self.name)
            .bind(receipts)
            .execute(&self.pool)
            .await
            .map_err(database)?;
        match invalid.into_iter().next() {
            Some(Err(handle)) => Err(QueueError::InvalidReceipt(handle.to_owned())),
            _ => Ok(()),
        }
    }

    /// Messages on the queue, in flight or not.
    pub async fn depth(&self) -> Result<u64, QueueError> {
        let count: i64 =
            sqlx::query_scalar("SELECT count(*) FROM code_remote_queue.messages WHERE queue = $1")
                .bind(&*self.name)
                .fetch_one(&self.pool)
                .await
                .map_err(database)?;
        Ok(count.unsigned_abs())
    }

    /// Starts the listener task once; if it cannot connect, receives fall back to rechecking.
    fn listen(&self) {
        self.wake.listener.get_or_init(|| {
            let wake = Arc::downgrade(&self.wake);
            tokio::spawn(forward_wakeups(self.pool.clone(), self.name.clone(), wake))
        });
    }
}

/// Wakes the queue's receivers on each notification naming it, until the queue is dropped.
async fn forward_wakeups(pool: PgPool, name: Arc<str>, wake: std::sync::Weak<Wakeups>) {
    loop {
        let listener = async {
            // A connection of its own: a listener holds its connection for as long as it
            // listens, which would take one from the store's pool for good.
            let own = PgPoolOptions::new()
                .max_connections(1)
                .connect_lazy_with((*pool.connect_options()).clone());
            let mut listener = PgListener::connect_with(&own).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let mut listener = match listener.await {
            Ok(listener) => listener,
            Err(err) => {
                tracing::warn!(error = %err, queue = %name, "cannot listen for queue wake-ups; polling");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        loop {
            match listener.recv().await {
                Ok(notification) if notification.payload() == &*name => match wake.upgrade() {
                    Some(wake) => wake.notify.notify_waiters(),
                    None => return,
                },
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(error = %err, queue = %name, "queue wake-ups interrupted; reconnecting");
                    break;
                }
            }
        }
    }
}

pub(crate) fn database(err: sqlx::Error) -> QueueError {
    QueueError::Database(err.to_string())
}
