//! One queue, two engines: SQS (every deployed stack) and PostgreSQL (local stacks, by default).
//! Both give the workers what they rely on (docs/queues.md): FIFO order within a message group,
//! deduplication, a visibility timeout, and dead-lettering after repeated receives.

use code_remote_config::QueueAddress;
use sqlx::PgPool;
use std::time::Duration;

use crate::postgres::PgQueue;
use crate::sqs::SqsQueue;

/// A queue request that failed.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// SQS refused the request or could not be reached.
    #[error("SQS request failed (check the queue URL, AWS_ENDPOINT_URL and credentials): {0}")]
    Sqs(String),
    /// The queue's database refused the request or could not be reached.
    #[error("queue database request failed: {0}")]
    Database(String),
    /// A PostgreSQL queue that does not exist.
    #[error("queue {0:?} does not exist in the database (local stacks create their queues on `deploy up`)")]
    UnknownQueue(String),
    /// A message SQS would refuse (both engines refuse the same ones).
    #[error("invalid message: {0}")]
    InvalidMessage(String),
    /// A receipt handle this engine never gave out.
    #[error("invalid receipt handle {0:?}")]
    InvalidReceipt(String),
    /// A message could not be encoded.
    #[error("could not encode the message: {0}")]
    Encode(#[from] serde_json::Error),
}

/// A message taken from a queue, invisible to other receivers until it is deleted or its
/// visibility timeout passes.
#[derive(Debug, Clone)]
pub struct ReceivedMessage {
    /// The message id (what a partial-batch response names).
    pub id: String,
    /// The handle that deletes it.
    pub receipt_handle: String,
    /// Its FIFO message group.
    pub group: Option<String>,
    /// The raw body.
    pub body: String,
}

/// SQS's limits on a message: a body of at most 256 KiB, group and deduplication ids of 1 to
/// 128 characters. The SQS engine has them checked by SQS; the PostgreSQL engine checks here.
pub(crate) fn check_message(
    body: &str,
    group: &str,
    deduplication_id: &str,
) -> Result<(), QueueError> {
    if body.len() > 256 * 1024 {
        return Err(QueueError::InvalidMessage(format!(
            "a body of {} bytes is over 256 KiB",
            body.len()
        )));
    }
    for (what, id) in [("group", group), ("deduplication id", deduplication_id)] {
        if id.is_empty() || id.chars().count() > 128 {
            return Err(QueueError::InvalidMessage(format!(
                "a message {what} has 1 to 128 characters"
            )));
        }
    }
    Ok(())
}

/// A FIFO queue and its dead-letter queue as both engines create them: `<base>.fifo` moves a
/// message to `<base>-dlq.fifo` on the receive after its `max_receive_count`th.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FifoPair {
    /// The names' stem.
    pub base: String,
    /// How long a received message stays invisible to other receivers (SQS counts whole
    /// seconds: a fraction is rounded up there).
    pub visibility_timeout: Duration,
    /// Receives before the next one dead-letters the message.
    pub max_receive_count: u32,
}

impl FifoPair {
    /// `<base>.fifo`.
    pub fn name(&self) -> String {
        format!("{}.fifo", self.base)
    }

    /// `<base>-dlq.fifo`.
    pub fn dead_letter_name(&self) -> String {
        format!("{}-dlq.fifo", self.base)
    }
}

/// A queue on either engine.
#[derive(Debug, Clone)]
pub enum Queue {
    /// An SQS queue.
    Sqs(SqsQueue),
    /// A queue of the PostgreSQL engine.
    Postgres(PgQueue),
}

impl Queue {
    /// The queue `address` names: an SQS URL is reached with `sqs`, a PostgreSQL queue lives in
    /// `pool`'s database and must exist.
    pub async fn open(
        address: &QueueAddress,
        sqs: impl FnOnce() -> aws_sdk_sqs::Client,
        pool: &PgPool,
    ) -> Result<Self, QueueError> {
        Ok(match address {
            QueueAddress::Sqs { url } => Queue::Sqs(SqsQueue::new(sqs(), url.clone())),
            QueueAddress::Postgres { name } => {
                Queue::Postgres(PgQueue::open(pool.clone(), name).await?)
            }
        })
    }

    /// Where the queue is: its SQS URL or `pgqueue://<name>`.
    pub fn address(&self) -> QueueAddress {
        match self {
            Queue::Sqs(queue) => QueueAddress::Sqs {
                url: queue.url().to_owned(),
            },
            Queue::Postgres(queue) => QueueAddress::Postgres {
                name: queue.name().to_owned(),
            },
        }
    }

    /// Sends `body` in `group`, deduplicated on `deduplication_id`: one round trip.
    pub async fn send(
        &self,
        body: &str,
        group: &str,
        deduplication_id: &str,
    ) -> Result<(), QueueError> {
        match self {
            Queue::Sqs(queue) => queue.send(body, group, deduplication_id).await,
            Queue::Postgres(queue) => queue.send(body, group, deduplication_id).await,
        }
    }

    /// Receives up to `max` messages (at most 10), waiting up to `wait` for the first.
    pub async fn receive(
        &self,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<ReceivedMessage>, QueueError> {
        match self {
            Queue::Sqs(queue) => queue.receive(max, wait).await,
            Queue::Postgres(queue) => queue.receive(max, wait).await,
        }
    }

    /// Deletes handled messages by their receipt handles (SQS: batches of 10).
    pub async fn delete(&self, receipt_handles: &[&str]) -> Result<(), QueueError> {
        if receipt_handles.is_empty() {
            return Ok(());
        }
        match self {
            Queue::Sqs(queue) => queue.delete(receipt_handles).await,
            Queue::Postgres(queue) => queue.delete(receipt_handles).await,
        }
    }

    /// Messages on the queue, in flight or not (SQS: its approximate counts).
    pub async fn depth(&self) -> Result<u64, QueueError> {
        match self {
            Queue::Sqs(queue) => queue.depth().await,
            Queue::Postgres(queue) => queue.depth().await,
        }
    }
}
