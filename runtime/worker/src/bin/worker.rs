//! The `worker` binary: the SQS-triggered Lambda (when `AWS_LAMBDA_RUNTIME_API` is set), otherwise
//! a local process long-polling `EXECUTION_QUEUE_URL` with the same handler.
//!
//! Environment: `DATABASE_URL` (or `DATABASE_SECRET_ARN` + `DATABASE_HOST` + `DATABASE_NAME`
//! [+ `DATABASE_PORT`]), `DATABASE_MAX_CONNECTIONS`, `WEBSOCKET_MANAGEMENT_URL`,
//! `EXECUTION_QUEUE_URL` (local mode), `SANDBOX_PYTHON`, `AWS_ENDPOINT_URL` for emulators, `RUST_LOG`.

use anyhow::Context;
use aws_lambda_events::sqs::SqsEvent;
use code_remote_config::{
    in_lambda, DatabaseConfig, Env, PushConfig, QueueConfig, SandboxSettings,
};
use code_remote_queue::ExecutionQueue;
use code_remote_sandbox::{Sandbox, SandboxConfig};
use code_remote_store::Store;
use code_remote_worker::{lambda, local, Worker};
use code_remote_ws::Pusher;
use lambda_runtime::{service_fn, LambdaEvent};
use std::sync::Arc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    code_remote_config::init_json_logs();
    let env = Env::process();
    let database = DatabaseConfig::load(&env)?;
    let push = PushConfig::load(&env)?;
    let sandbox = SandboxSettings::load(&env)?;
    let lambda = in_lambda(&env);
    let queue = if lambda {
        None
    } else {
        Some(QueueConfig::load(&env)?)
    };

    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = Store::connect(&database, &aws)
        .await
        .context("configuring the database pool")?;
    let mut sandbox_config = SandboxConfig::default();
    if let Some(python) = sandbox.python {
        sandbox_config.python = python;
    }
    let sandbox = Sandbox::start(sandbox_config)
        .await
        .context("starting the sandbox")?;
    let worker = Worker::new(
        store,
        Arc::new(sandbox),
        Pusher::new(&aws, &push.management_url),
    );

    match queue {
        None => {
            let worker = Arc::new(worker);
            lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
                let worker = worker.clone();
                async move {
                    Ok::<_, lambda_runtime::Error>(
                        lambda::handle_event(&worker, event.payload).await,
                    )
                }
            }))
            .await
            .map_err(|err| anyhow::anyhow!("lambda runtime stopped: {err}"))
        }
        Some(queue) => {
            let queue =
                ExecutionQueue::new(aws_sdk_sqs::Client::new(&aws), queue.execution_queue_url);
            tracing::info!(queue = queue.url(), "worker polling");
            local::run(&queue, &worker, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await;
            Ok(())
        }
    }
}
