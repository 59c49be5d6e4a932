//! The stack's two FIFO queues (execution jobs, snippet-sync events), each with a dead-letter
//! queue, on the engine `--queue` chose (docs/queues.md): the PostgreSQL engine in the stack's
//! own database (the default: fast, and as real as the rest), or moto's SQS.

use std::time::Duration;

use code_remote_queue::{postgres, sqs, FifoPair};

use crate::{Error, QueueEngine};

/// Deliveries before a message moves to its dead-letter queue (the deployed stacks' setting).
const MAX_RECEIVE_COUNT: u32 = 3;

/// Where the processes find the queues: `EXECUTION_QUEUE_URL` and `SYNC_QUEUE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueAddresses {
    /// The execution jobs queue.
    pub execution: String,
    /// The snippet-sync events queue.
    pub sync: String,
}

/// The two queues; visibility timeouts are six times the consuming function's timeout, as the
/// deployed stacks have them (docs/infra.md).
fn pairs() -> [FifoPair; 2] {
    let pair = |base: &str, visibility_seconds| FifoPair {
        base: base.to_owned(),
        visibility_timeout: Duration::from_secs(visibility_seconds),
        max_receive_count: MAX_RECEIVE_COUNT,
    };
    [pair("execution", 90), pair("snippet-sync", 120)]
}

/// Creates both queues on `engine`: in the database at `database_url`, or in the moto at
/// `aws_endpoint_url`.
pub async fn provision(
    engine: QueueEngine,
    database_url: &str,
    aws_endpoint_url: &str,
) -> Result<QueueAddresses, Error> {
    let failed = |engine: &str, err: &dyn std::fmt::Display| Error::Queues {
        engine: engine.to_owned(),
        detail: err.to_string(),
    };
    let [execution, sync] = pairs();
    let (execution, sync) = match engine {
        QueueEngine::Postgres => {
            let failed = |err: &dyn std::fmt::Display| failed("the stack's PostgreSQL", err);
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(database_url)
                .await
                .map_err(|err| failed(&err))?;
            postgres::install(&pool).await.map_err(|err| failed(&err))?;
            let execution = postgres::create_fifo_pair(&pool, &execution).await;
            let sync = postgres::create_fifo_pair(&pool, &sync).await;
            pool.close().await;
            (
                execution.map_err(|err| failed(&err))?,
                sync.map_err(|err| failed(&err))?,
            )
        }
        QueueEngine::Sqs => {
            let client = aws_sdk_sqs::Client::new(&crate::aws::sdk_config(aws_endpoint_url).await);
            tokio::try_join!(
                sqs::create_fifo_pair(&client, &execution),
                sqs::create_fifo_pair(&client, &sync),
            )
            .map_err(|err| failed("moto's SQS", &err))?
        }
    };
    Ok(QueueAddresses {
        execution: execution.0.to_string(),
        sync: sync.0.to_string(),
    })
}
