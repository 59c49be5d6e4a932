//! End to end over real sockets: a moto-issued token, `POST /execute/async`, the FIFO queue, the
//! worker, the sandbox, the store, and the `execution_result` frame on the owner's WebSocket.
//! Every test that goes through the queue runs on both engines (docs/queues.md).

use code_remote_domain::ExecutionStatus;
use code_remote_testkit::{QueueEngine, Stack};
use serde_json::json;

async fn result_reaches_only_the_owner_and_is_stored(engine: QueueEngine) {
    let stack = Stack::start_on(engine).await;
    let alice = stack.token().await;
    let bob = stack.token().await;
    let mut alice_ws = stack.connect(&alice).await;
    let mut bob_ws = stack.connect(&bob).await;
    let _worker = stack.spawn_worker();

    let job = stack
        .execute_async(&alice, &alice_ws.connection_id, "print(6 * 7)")
        .await;
    let frame = alice_ws.next().await;
    assert_eq!(frame["type"], "execution_result");
    assert_eq!(frame["job_id"], job.to_string());
    assert_eq!(frame["success"], true);
    assert_eq!(frame["stdout"], "42\n");
    assert_eq!(frame["truncated"], false);
    let stored = stack.wait_for_status(job, |s| s.is_finished()).await;
    assert_eq!(stored.status, ExecutionStatus::Succeeded);
    assert_eq!(stored.result.as_ref().unwrap()["stdout"], "42\n");

    // Output holding a NUL byte is stored and delivered as it was written (jsonb refused it,
    // and the job was retried until dead-lettered).
    let nul = stack
        .execute_async(&alice, &alice_ws.connection_id, "print('a\\x00b')")
        .await;
    let frame = alice_ws.next().await;
    assert_eq!(frame["job_id"], nul.to_string());
    assert_eq!(frame["stdout"], "a\u{0}b\n", "{frame}");
    let stored = stack.wait_for_status(nul, |s| s.is_finished()).await;
    assert_eq!(stored.status, ExecutionStatus::Succeeded);
    assert_eq!(stored.result.as_ref().unwrap()["stdout"], "a\u{0}b\n");

    // Alice names Bob's connection: refused, nothing queued, and Bob receives nothing.
    let (status, refused) = stack
        .post_execute_async(&alice, &bob_ws.connection_id, "print('secret')")
        .await;
    assert_eq!(status, 404, "{refused}");
    assert_eq!(refused, json!({"detail": "Connection not found"}));
    bob_ws.ping().await;
    alice_ws.ping().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_connection_without_a_valid_token_is_refused() {
    let stack = Stack::start().await;
    assert_eq!(stack.connect_status("not-a-token").await, Some(401));
    assert_eq!(stack.connect_status("").await, Some(401));
}

async fn a_worker_killed_mid_job_is_replaced_and_the_job_completes_once(engine: QueueEngine) {
    let stack = Stack::start_on(engine).await;
    let token = stack.token().await;
    let mut ws = stack.connect(&token).await;
    let first = stack.spawn_worker();
    let job = stack
        .execute_async(
            &token,
            &ws.connection_id,
            "import time\ntime.sleep(2)\nprint('done')",
        )
        .await;
    stack
        .wait_for_status(job, |s| s == ExecutionStatus::Running)
        .await;
    first.abort();
    let _ = first.await;

    let _second = stack.spawn_worker();
    let frame = ws.next().await;
    assert_eq!(frame["job_id"], job.to_string());
    assert_eq!(frame["stdout"], "done\n");
    let stored = stack.wait_for_status(job, |s| s.is_finished()).await;
    assert_eq!(stored.status, ExecutionStatus::Succeeded);
    let rows: i64 = sqlx_count(&stack, job).await;
    assert_eq!(rows, 1, "one stored result");
}

async fn a_poison_message_is_dead_lettered_without_blocking_other_users(engine: QueueEngine) {
    let stack = Stack::start_on(engine).await;
    stack
        .queue
        .queue()
        .send("{not json", "poisoned-user", "poison-1")
        .await
        .expect("send poison");
    let token = stack.token().await;
    let mut ws = stack.connect(&token).await;
    let _worker = stack.spawn_worker();
    let job = stack
        .execute_async(&token, &ws.connection_id, "print('unblocked')")
        .await;
    let frame = ws.next().await;
    assert_eq!(frame["job_id"], job.to_string());
    assert_eq!(frame["stdout"], "unblocked\n");
    assert_eq!(stack.wait_for_dead_letter().await, "{not json");
}

async fn output_of_256_kib_arrives_truncated(engine: QueueEngine) {
    let stack = Stack::start_on(engine).await;
    let token = stack.token().await;
    let mut ws = stack.connect(&token).await;
    let _worker = stack.spawn_worker();
    let job = stack
        .execute_async(&token, &ws.connection_id, "print('x' * (256 * 1024))")
        .await;
    let frame = ws.next().await;
    assert_eq!(frame["job_id"], job.to_string());
    assert_eq!(frame["truncated"], true);
    let stdout = frame["stdout"].as_str().unwrap();
    assert!(!stdout.is_empty() && stdout.len() < 256 * 1024);
    let stored = stack.wait_for_status(job, |s| s.is_finished()).await;
    assert_eq!(stored.result.unwrap()["truncated"], true);
}

async fn a_result_that_cannot_be_stored_is_still_delivered_and_the_job_marked_failed(
    engine: QueueEngine,
) {
    let stack = Stack::start_on(engine).await;
    // The database refuses every successful result from now on (a full disk, a constraint
    // added by a bad migration...), but still accepts a job being marked failed.
    sqlx::raw_sql(
        "CREATE FUNCTION refuse_success() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'results cannot be stored'; END $$;
         CREATE TRIGGER refuse_success BEFORE UPDATE ON executions
             FOR EACH ROW WHEN (NEW.status = 'succeeded') EXECUTE FUNCTION refuse_success();",
    )
    .execute(stack.store.pool())
    .await
    .expect("trigger");
    let token = stack.token().await;
    let mut ws = stack.connect(&token).await;
    let _worker = stack.spawn_worker();
    let job = stack
        .execute_async(
            &token,
            &ws.connection_id,
            "import time\nprint('ran at', time.monotonic_ns())",
        )
        .await;
    let frame = ws.next().await;
    assert_eq!(frame["job_id"], job.to_string());
    assert_eq!(frame["success"], true, "{frame}");
    let stored = stack.wait_for_status(job, |s| s.is_finished()).await;
    assert_eq!(stored.status, ExecutionStatus::Failed);
    assert_eq!(
        stored.result.as_ref().expect("a result")["error"],
        "the result could not be stored"
    );
    // Not retried: the message was deleted (a retry would run the code again), and no second
    // frame arrives (a ping answers first).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let depth = stack.queue_depth().await;
        if depth == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the job's message was kept for a retry: {depth} on the queue"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    ws.ping().await;
}

async fn sqlx_count(stack: &Stack, job: code_remote_domain::JobId) -> i64 {
    match stack.store.execution(job).await.expect("store") {
        Some(_) => {
            let count: i64 = sqlx::query_scalar("SELECT count(*) FROM executions WHERE id = $1")
                .bind(job.as_uuid())
                .fetch_one(stack.store.pool())
                .await
                .expect("count");
            count
        }
        None => 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_local_management_api_refuses_callers_without_the_stacks_key() {
    let stack = Stack::start().await;
    let token = stack.token().await;
    let mut ws = stack.connect(&token).await;
    let url = format!("{}/@connections/{}", stack.api_url, ws.connection_id);
    let http = reqwest::Client::new();
    let forged = "AWS4-HMAC-SHA256 Credential=SOMEONEELSE/20261129/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00";
    for authorization in [None, Some(forged)] {
        for method in [
            reqwest::Method::POST,
            reqwest::Method::GET,
            reqwest::Method::DELETE,
        ] {
            let mut request = http
                .request(method.clone(), &url)
                .body(r#"{"type":"execution_result","stdout":"forged"}"#);
            if let Some(value) = authorization {
                request = request.header("authorization", value);
            }
            let response = request.send().await.expect("response");
            assert_eq!(response.status(), 403, "{method} with {authorization:?}");
        }
    }
    // Nothing was pushed and the socket is still open: the next frame is the pong.
    ws.ping().await;
    // The worker signs with the stack's key and gets through.
    let _worker = stack.spawn_worker();
    let job = stack
        .execute_async(&token, &ws.connection_id, "print('through')")
        .await;
    let frame = ws.next().await;
    assert_eq!(frame["job_id"], job.to_string());
    assert_eq!(frame["stdout"], "through\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_that_gives_up_on_execute_frees_its_runs_at_once() {
    let stack = Stack::start().await;
    let token = stack.token().await;
    let impatient = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(1500))
        .build()
        .expect("client");
    let sleeper = json!({"code": "import time\ntime.sleep(25)", "timeout_seconds": 30});
    // Two runs fill the user's share; both clients give up (their connections close).
    let attempts = (0..2).map(|_| {
        impatient
            .post(format!("{}/execute", stack.api_url))
            .bearer_auth(&token)
            .json(&sleeper)
            .send()
    });
    for attempt in futures_util::future::join_all(attempts).await {
        assert!(
            attempt.is_err(),
            "the client was meant to time out: {attempt:?}"
        );
    }
    // The server dropped both requests when their clients left: had it kept them, they would
    // still hold the user's two slots and this run would get 429. (Dropping a request's
    // execution kills its child: runtime/sandbox/tests/lifetime.rs.)
    let next = reqwest::Client::new()
        .post(format!("{}/execute", stack.api_url))
        .bearer_auth(&token)
        .json(&json!({"code": "print('next')"}))
        .send()
        .await
        .expect("response");
    assert_eq!(next.status(), 200);
    let body: serde_json::Value = next.json().await.expect("json");
    assert_eq!(body["stdout"], "next\n", "{body}");
}

async fn one_users_jobs_run_in_the_order_they_were_queued(engine: QueueEngine) {
    let stack = Stack::start_on(engine).await;
    let token = stack.token().await;
    let mut ws = stack.connect(&token).await;
    // Queued before a worker exists, so they arrive in one batch: the slow first job must
    // still finish before the quick second one starts.
    let slow = stack
        .execute_async(
            &token,
            &ws.connection_id,
            "import time\ntime.sleep(1)\nprint('first')",
        )
        .await;
    let quick = stack
        .execute_async(&token, &ws.connection_id, "print('second')")
        .await;
    let _worker = stack.spawn_worker();
    let first = ws.next().await;
    let second = ws.next().await;
    assert_eq!(first["job_id"], slow.to_string(), "{first}");
    assert_eq!(first["stdout"], "first\n");
    assert_eq!(second["job_id"], quick.to_string(), "{second}");
}

async fn a_stop_ends_a_running_job_and_cancels_a_queued_one_for_their_owner_only(
    engine: QueueEngine,
) {
    let stack = Stack::start_on(engine).await;
    let alice = stack.token().await;
    let bob = stack.token().await;
    let mut ws = stack.connect(&alice).await;
    let looping = "print('started', flush=True)\nwhile True:\n    pass";
    let running = stack
        .execute_async(&alice, &ws.connection_id, looping)
        .await;
    // Queued behind the loop (one user's jobs run in order), so it is still queued when stopped.
    let queued = stack
        .execute_async(&alice, &ws.connection_id, "print('never')")
        .await;
    let _worker = stack.spawn_worker();
    stack
        .wait_for_status(running, |s| s == ExecutionStatus::Running)
        .await;

    let (status, answer) = stack.cancel(&bob, &running.to_string()).await;
    assert_eq!(status, 404, "another user cannot stop it: {answer}");
    let (status, answer) = stack.cancel(&alice, &queued.to_string()).await;
    assert_eq!(
        (status, &answer["status"]),
        (200, &json!("cancelled")),
        "{answer}"
    );
    let (status, answer) = stack.cancel(&alice, &running.to_string()).await;
    assert_eq!(
        (status, &answer["status"]),
        (200, &json!("stopping")),
        "{answer}"
    );

    let stopped = ws.next().await;
    assert_eq!(stopped["job_id"], running.to_string(), "{stopped}");
    assert_eq!(stopped["cancelled"], true);
    assert_eq!(stopped["timed_out"], false);
    assert_eq!(stopped["error_type"], "Cancelled");
    assert_eq!(
        stopped["stdout"], "started\n",
        "the output until the stop is kept"
    );
    assert!(stopped["execution_time_ms"].as_f64().expect("time") < 20_000.0);
    let stored = stack.wait_for_status(running, |s| s.is_finished()).await;
    assert_eq!(stored.status, ExecutionStatus::Cancelled);

    let never = ws.next().await;
    assert_eq!(never["job_id"], queued.to_string(), "{never}");
    assert_eq!(never["cancelled"], true);
    assert_eq!(never["stdout"], "", "the queued job never ran");
    let (_, answer) = stack.cancel(&alice, &running.to_string()).await;
    assert_eq!(answer["status"], "ended", "a second stop reports the end");

    let (status, answer) = stack.cancel(&alice, "not-a-job").await;
    assert_eq!(status, 422);
    assert_eq!(answer["detail"][0]["loc"], json!(["path", "job_id"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_job_stopped_while_its_first_worker_had_it_is_not_run_again() {
    let stack = Stack::start().await;
    let token = stack.token().await;
    let mut ws = stack.connect(&token).await;
    let job = stack
        .execute_async(&token, &ws.connection_id, "print('ran')")
        .await;
    // A first worker took the job and died; its user pressed Stop meanwhile.
    let stored = stack
        .store
        .execution(job)
        .await
        .expect("store")
        .expect("row");
    assert_eq!(stored.status, ExecutionStatus::Queued);
    let owner = sqlx::query_scalar::<_, uuid::Uuid>("SELECT user_id FROM executions WHERE id = $1")
        .bind(job.as_uuid())
        .fetch_one(stack.store.pool())
        .await
        .expect("owner");
    stack
        .store
        .start_execution(
            job,
            code_remote_domain::UserId::from_uuid(owner),
            "print('ran')",
        )
        .await
        .expect("start");
    let (_, answer) = stack.cancel(&token, &job.to_string()).await;
    assert_eq!(answer["status"], "stopping", "{answer}");

    let _worker = stack.spawn_worker();
    let frame = ws.next().await;
    assert_eq!(frame["job_id"], job.to_string(), "{frame}");
    assert_eq!(frame["cancelled"], true);
    assert_eq!(frame["stdout"], "", "the redelivered job did not run");
    let stored = stack.wait_for_status(job, |s| s.is_finished()).await;
    assert_eq!(stored.status, ExecutionStatus::Cancelled);
}

/// Runs each named test on both queue engines, as `postgres::<name>` and `sqs::<name>`.
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::QueueEngine::Postgres).await
                }
            )*
        }
        mod sqs {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::QueueEngine::Sqs).await
                }
            )*
        }
    };
}

on_both_engines!(
    result_reaches_only_the_owner_and_is_stored,
    a_worker_killed_mid_job_is_replaced_and_the_job_completes_once,
    a_poison_message_is_dead_lettered_without_blocking_other_users,
    output_of_256_kib_arrives_truncated,
    a_result_that_cannot_be_stored_is_still_delivered_and_the_job_marked_failed,
    one_users_jobs_run_in_the_order_they_were_queued,
    a_stop_ends_a_running_job_and_cancels_a_queued_one_for_their_owner_only,
);
