//! The `worker` binary: the SQS-triggered Lambda (when `AWS_LAMBDA_RUNTIME_API` is set), otherwise
//! a local process long-polling `EXECUTION_QUEUE_URL` with the same handler.
//!
//! Environment: what [`code_remote_config::WorkerSettings`] reads (`Function::Worker.variables()`),
//! plus `AWS_ENDPOINT_URL` for emulators and `RUST_LOG`.

use anyhow::Context;
use code_remote_config::{Env, WorkerSettings};
use code_remote_queue::{serve, ConsumerOptions, LocalQueue};
use code_remote_sandbox::{Sandbox, SandboxConfig};
use code_remote_store::Store;
use code_remote_worker::Worker;
use code_remote_ws::Pusher;
use std::sync::Arc;

/// How long one receive waits for messages outside Lambda.
const POLL_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    code_remote_config::init_json_logs();
    let settings = WorkerSettings::load(&Env::process())?;

    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let sandbox_config = SandboxConfig::with_overrides(
        settings.sandbox.python.clone(),
        settings.sandbox.file_confinement.as_deref(),
    )
    .context(code_remote_config::vars::SANDBOX_FILE_CONFINEMENT)?;
    // The database secret and the interpreter's start are independent: a cold start waits for
    // the slower of the two.
    let (store, sandbox) = tokio::join!(
        Store::connect(&settings.database, &aws),
        Sandbox::start(sandbox_config)
    );
    let store = store.context("configuring the database pool")?;
    let sandbox = sandbox.context("starting the sandbox")?;
    let worker = Worker::new(
        store.clone(),
        Arc::new(sandbox),
        Pusher::new(&aws, &settings.push.management_url),
    );
    let local = settings.queue.as_ref().map(|queue| LocalQueue {
        address: &queue.execution_queue,
        variable: code_remote_config::vars::EXECUTION_QUEUE_URL,
        options: ConsumerOptions {
            slots: worker.slots(),
            wait: POLL_WAIT,
        },
    });
    serve(
        worker,
        local,
        || aws_sdk_sqs::Client::new(&aws),
        store.pool(),
        started,
    )
    .await?;
    Ok(())
}
