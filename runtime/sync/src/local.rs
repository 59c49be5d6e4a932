//! The local sync worker: long-polls `SYNC_QUEUE_URL` and runs each batch through the same
//! handler as the Lambda, deleting what succeeded (failures reappear after their visibility
//! timeout and reach the dead-letter queue after `maxReceiveCount`).

use code_remote_queue::{process_batch, BatchMessage, QueueError, SyncQueue};
use std::future::Future;
use std::time::Duration;

use crate::SyncWorker;

/// Polls until `shutdown` completes; receive errors are logged and retried after a pause.
pub async fn run(
    queue: &SyncQueue,
    worker: &SyncWorker,
    wait: Duration,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            polled = poll_once(queue, worker, wait) => {
                if let Err(err) = polled {
                    tracing::error!(error = %err, "polling the sync queue failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

/// What one poll did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Polled {
    /// Messages received.
    pub received: usize,
    /// Ids of the messages that failed (left on the queue).
    pub failed: Vec<String>,
}

/// Receives one batch (waiting at most `wait`), handles it, and deletes what succeeded.
pub async fn poll_once(
    queue: &SyncQueue,
    worker: &SyncWorker,
    wait: Duration,
) -> Result<Polled, QueueError> {
    let received = queue.receive(10, wait).await?;
    let messages: Vec<BatchMessage> = received.iter().map(BatchMessage::from).collect();
    let failed = process_batch(&messages, |message| async move {
        worker.handle(&message.body).await.map(|_| ())
    })
    .await;
    for message in received.iter().filter(|m| !failed.contains(&m.id)) {
        queue.delete(&message.receipt_handle).await?;
    }
    Ok(Polled {
        received: received.len(),
        failed,
    })
}
