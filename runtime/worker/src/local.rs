//! The local worker process: long-polls the queue and runs each batch through the same handler as
//! the Lambda, deleting the messages that succeeded (failed ones reappear after their visibility
//! timeout and reach the dead-letter queue after `maxReceiveCount`).

use code_remote_queue::{process_batch, BatchMessage, ExecutionQueue, QueueError};
use std::future::Future;
use std::time::Duration;

use crate::Worker;

/// How long one receive waits for messages.
const POLL_WAIT: Duration = Duration::from_secs(5);

/// Polls until `shutdown` completes; receive errors are logged and retried after a pause.
pub async fn run(queue: &ExecutionQueue, worker: &Worker, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            polled = poll_once(queue, worker) => {
                if let Err(err) = polled {
                    tracing::error!(error = %err, "polling the execution queue failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

/// Receives one batch, handles it, and deletes what succeeded. Returns how many were handled.
pub async fn poll_once(queue: &ExecutionQueue, worker: &Worker) -> Result<usize, QueueError> {
    let received = queue.receive(10, POLL_WAIT).await?;
    let messages: Vec<BatchMessage> = received.iter().map(BatchMessage::from).collect();
    let failed = process_batch(&messages, |message| worker.handle(&message.body)).await;
    for message in received.iter().filter(|m| !failed.contains(&m.id)) {
        queue.delete(&message.receipt_handle).await?;
    }
    Ok(received.len())
}
