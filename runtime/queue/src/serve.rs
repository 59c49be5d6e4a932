//! How both workers run: the Lambda function of an SQS event source, or (local stacks) a process
//! long-polling its queue. Either way every message goes through the same [`MessageHandler`].

use std::time::Instant;

use aws_lambda_events::sqs::SqsEvent;
use code_remote_config::QueueAddress;
use lambda_runtime::{service_fn, LambdaEvent};
use sqlx::PgPool;

use crate::{consume, handle_sqs_event, ConsumerOptions, MessageHandler, Queue, QueueError};

/// Where a worker outside Lambda takes its messages from.
pub struct LocalQueue<'a> {
    /// The queue (its SQS URL, or a queue of the PostgreSQL engine).
    pub address: &'a QueueAddress,
    /// The variable that named it, for errors.
    pub variable: &'static str,
    /// Messages in hand at once and the receive wait.
    pub options: ConsumerOptions,
}

/// Why a worker stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The local queue could not be opened.
    #[error("{variable}")]
    Open {
        /// The variable that named the queue.
        variable: &'static str,
        /// What failed.
        source: QueueError,
    },
    /// The Lambda runtime ended.
    #[error("lambda runtime stopped: {0}")]
    Lambda(String),
}

/// Serves `handler` until the process is told to stop: under Lambda (no `local` queue) as the
/// SQS event source's function, answering partial batch failures; otherwise by consuming `local`
/// until Ctrl-C, finishing the messages in hand. `started` is when the process began, for the
/// ready line.
pub async fn serve<H: MessageHandler>(
    handler: H,
    local: Option<LocalQueue<'_>>,
    sqs: impl FnOnce() -> aws_sdk_sqs::Client,
    pool: &PgPool,
    started: Instant,
) -> Result<(), ServeError> {
    let Some(local) = local else {
        code_remote_config::log_ready(started);
        return lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
            let handler = handler.clone();
            async move {
                Ok::<_, lambda_runtime::Error>(handle_sqs_event(&handler, event.payload).await)
            }
        }))
        .await
        .map_err(|err| ServeError::Lambda(err.to_string()));
    };
    let queue = Queue::open(local.address, sqs, pool)
        .await
        .map_err(|source| ServeError::Open {
            variable: local.variable,
            source,
        })?;
    tracing::info!(queue = %queue.address(), slots = local.options.slots, "polling");
    consume(&queue, local.options, handler, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    Ok(())
}
