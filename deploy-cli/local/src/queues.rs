//! The stack's two FIFO queues (execution jobs, snippet-sync events), each with a dead-letter
//! queue, on the engine `--queue` chose (docs/queues.md): the PostgreSQL engine in the stack's
//! own database (the default: fast, and as real as the rest), or moto's SQS.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName;
use code_remote_queue::postgres::{self, QueueDefinition};
use serde_json::json;

use crate::{Error, QueueEngine};

/// Deliveries before a message moves to its dead-letter queue (the deployed stacks' setting).
const MAX_RECEIVE_COUNT: u32 = 3;

/// The queues and their visibility timeouts: six times the consuming function's timeout, as
/// the deployed stacks have them (docs/infra.md).
const QUEUES: [(&str, u32); 2] = [("execution", 90), ("snippet-sync", 120)];

/// Where the processes find the queues: `EXECUTION_QUEUE_URL` and `SYNC_QUEUE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueAddresses {
    /// The execution jobs queue.
    pub execution: String,
    /// The snippet-sync events queue.
    pub sync: String,
}

/// Creates both queues on `engine`: in the database at `database_url`, or in the moto at
/// `aws_endpoint_url`.
pub async fn provision(
    engine: QueueEngine,
    database_url: &str,
    aws_endpoint_url: &str,
) -> Result<QueueAddresses, Error> {
    let [execution, sync] = QUEUES;
    match engine {
        QueueEngine::Postgres => {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(database_url)
                .await
                .map_err(|err| postgres_error(&err))?;
            postgres::install(&pool)
                .await
                .map_err(|err| postgres_error(&err))?;
            let execution = postgres_fifo_with_dlq(&pool, execution).await?;
            let sync = postgres_fifo_with_dlq(&pool, sync).await?;
            pool.close().await;
            Ok(QueueAddresses { execution, sync })
        }
        QueueEngine::Sqs => {
            let sqs = aws_sdk_sqs::Client::new(&crate::aws::sdk_config(aws_endpoint_url).await);
            let (execution, sync) = tokio::try_join!(
                fifo_with_dlq(&sqs, execution.0, execution.1),
                fifo_with_dlq(&sqs, sync.0, sync.1),
            )?;
            Ok(QueueAddresses { execution, sync })
        }
    }
}

fn postgres_error(err: &dyn std::fmt::Display) -> Error {
    Error::Queues(err.to_string())
}

/// Creates `<base>-dlq.fifo` and `<base>.fifo` moving to it on the PostgreSQL engine; returns
/// the main queue's address.
async fn postgres_fifo_with_dlq(
    pool: &sqlx::PgPool,
    (base, visibility_seconds): (&str, u32),
) -> Result<String, Error> {
    let dead_letters = QueueDefinition {
        name: format!("{base}-dlq.fifo"),
        visibility_timeout: Duration::from_secs(visibility_seconds.into()),
        max_receive_count: MAX_RECEIVE_COUNT,
        dead_letter_queue: None,
    };
    let queue = QueueDefinition {
        name: format!("{base}.fifo"),
        visibility_timeout: Duration::from_secs(visibility_seconds.into()),
        max_receive_count: MAX_RECEIVE_COUNT,
        dead_letter_queue: Some(dead_letters.name.clone()),
    };
    for definition in [&dead_letters, &queue] {
        postgres::create_queue(pool, definition)
            .await
            .map_err(|err| postgres_error(&err))?;
    }
    Ok(format!(
        "{}{}",
        code_remote_config::POSTGRES_QUEUE_SCHEME,
        queue.name
    ))
}

/// Creates `<base>-dlq.fifo` and `<base>.fifo` redriving to it; returns the main queue's URL.
async fn fifo_with_dlq(
    sqs: &aws_sdk_sqs::Client,
    base: &str,
    visibility_seconds: u32,
) -> Result<String, Error> {
    let refused = |action: &str, error: &dyn std::error::Error| Error::Aws {
        action: format!("{action} for {base}"),
        detail: format!("{}", aws_sdk_sqs::error::DisplayErrorContext(error)),
    };
    let dlq = sqs
        .create_queue()
        .queue_name(format!("{base}-dlq.fifo"))
        .attributes(QueueAttributeName::FifoQueue, "true")
        .attributes(QueueAttributeName::MessageRetentionPeriod, "1209600")
        .send()
        .await
        .map_err(|e| refused("CreateQueue (dead letters)", &e))?;
    let dlq_url = dlq.queue_url().unwrap_or_default().to_owned();
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| refused("GetQueueAttributes", &e))?;
    let dlq_arn = attributes
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn))
        .cloned()
        .ok_or_else(|| Error::Aws {
            action: format!("GetQueueAttributes for {base}"),
            detail: "no QueueArn in the answer".into(),
        })?;
    let redrive =
        json!({ "deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT.to_string() });
    let queue = sqs
        .create_queue()
        .queue_name(format!("{base}.fifo"))
        .set_attributes(Some(HashMap::from([
            (QueueAttributeName::FifoQueue, "true".to_owned()),
            (
                QueueAttributeName::VisibilityTimeout,
                visibility_seconds.to_string(),
            ),
            (QueueAttributeName::RedrivePolicy, redrive.to_string()),
        ])))
        .send()
        .await
        .map_err(|e| refused("CreateQueue", &e))?;
    queue
        .queue_url()
        .map(str::to_owned)
        .ok_or_else(|| Error::Aws {
            action: format!("CreateQueue for {base}"),
            detail: "no QueueUrl in the answer".into(),
        })
}
