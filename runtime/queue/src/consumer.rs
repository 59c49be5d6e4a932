//! The local consumer of both workers: receives from a queue and keeps up to `slots` messages
//! in hand at once, each batch run through [`process_batch`] like a Lambda event, deleting what
//! succeeded. A failed (or panicked) message is left alone: it reappears after its visibility
//! timeout and reaches the dead-letter queue after its receives run out; the rest of its batch
//! is deleted as usual.

use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use crate::{process_batch, BatchMessage, Queue, QueueError, ReceivedMessage};

/// What a worker does with one message body; both workers implement it, and the local
/// [`consume`] loop and the Lambda entry ([`crate::handle_sqs_event`]) call it.
pub trait MessageHandler: Clone + Send + Sync + 'static {
    /// Why a message failed; it is then retried (and dead-lettered after its receives run out).
    type Error: Display;

    /// Handles one message body.
    fn handle(&self, body: String) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// The most messages one receive asks for (SQS's limit).
const MAX_BATCH: usize = 10;

/// How long a receive waits while messages are in hand (for SQS: a short poll), and how long
/// the consumer then pauses unless one of them finishes first. A message whose group is blocked
/// by one in hand becomes receivable when that one is deleted; SQS and the PostgreSQL engine
/// then end a waiting receive at once, but moto's long poll keeps waiting its full time, which
/// would hold a user's next job back by `wait`.
const BUSY_WAIT: Duration = Duration::from_millis(100);

/// How a consumer runs.
#[derive(Debug, Clone, Copy)]
pub struct ConsumerOptions {
    /// Messages handled at once (the execution worker uses the sandbox's slots).
    pub slots: usize,
    /// How long one receive waits for messages.
    pub wait: Duration,
}

/// What one [`poll_once`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Polled {
    /// Messages received.
    pub received: usize,
    /// Ids of the messages that failed (left on the queue).
    pub failed: Vec<String>,
}

/// Consumes `queue` with `handler` until `shutdown` completes, then waits for the messages in
/// hand to finish (so they are deleted rather than redelivered). Receive errors are logged and
/// retried after a pause.
pub async fn consume<H: MessageHandler>(
    queue: &Queue,
    options: ConsumerOptions,
    handler: H,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(options.slots.max(1)));
    let mut running = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let mut held = tokio::select! {
            _ = &mut shutdown => break,
            first = slots.clone().acquire_owned() => match first {
                Ok(permit) => vec![permit],
                Err(_) => break,
            },
        };
        while held.len() < MAX_BATCH {
            match slots.clone().try_acquire_owned() {
                Ok(permit) => held.push(permit),
                Err(_) => break,
            }
        }
        let busy = !running.is_empty();
        let wait = if busy {
            options.wait.min(BUSY_WAIT)
        } else {
            options.wait
        };
        // A receive is never abandoned: what it took is in flight, so it is handled (and
        // deleted) even when shutdown comes during the receive.
        let receiving = queue.receive(held.len(), wait);
        tokio::pin!(receiving);
        let (received, stopping) = tokio::select! {
            received = &mut receiving => (received, false),
            _ = &mut shutdown => (receiving.await, true),
        };
        match received {
            Ok(messages) if messages.is_empty() => {
                if busy && !stopping {
                    tokio::select! {
                        _ = &mut shutdown => break,
                        Some(finished) = running.join_next() => log_panic(finished),
                        _ = tokio::time::sleep(BUSY_WAIT) => {}
                    }
                }
            }
            Ok(messages) => {
                held.truncate(messages.len());
                running.spawn(handle_batch(queue.clone(), messages, handler.clone(), held));
            }
            Err(err) => {
                tracing::error!(error = %err, "receiving from the queue failed");
                if stopping {
                    break;
                }
                tokio::select! {
                    _ = &mut shutdown => break,
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        }
        while let Some(finished) = running.try_join_next() {
            log_panic(finished);
        }
        if stopping {
            break;
        }
    }
    while let Some(finished) = running.join_next().await {
        log_panic(finished);
    }
}

/// Receives one batch (waiting at most `wait`), handles it, and deletes what succeeded: what a
/// test drives step by step.
pub async fn poll_once<H: MessageHandler>(
    queue: &Queue,
    wait: Duration,
    handler: &H,
) -> Result<Polled, QueueError> {
    let received = queue.receive(MAX_BATCH, wait).await?;
    let failed = run_and_delete(queue, &received, handler).await?;
    Ok(Polled {
        received: received.len(),
        failed,
    })
}

async fn handle_batch<H: MessageHandler>(
    queue: Queue,
    received: Vec<ReceivedMessage>,
    handler: H,
    _slots: Vec<OwnedSemaphorePermit>,
) {
    if let Err(err) = run_and_delete(&queue, &received, &handler).await {
        tracing::error!(error = %err, "deleting handled messages failed; they will be delivered again");
    }
}

/// Runs the batch and deletes the messages that succeeded; returns the ids of those that failed.
async fn run_and_delete<H: MessageHandler>(
    queue: &Queue,
    received: &[ReceivedMessage],
    handler: &H,
) -> Result<Vec<String>, QueueError> {
    let messages: Vec<BatchMessage> = received.iter().map(BatchMessage::from).collect();
    let failed = process_batch(&messages, |message| handler.handle(message.body.clone())).await;
    let handled: Vec<&str> = received
        .iter()
        .filter(|m| !failed.contains(&m.id))
        .map(|m| m.receipt_handle.as_str())
        .collect();
    queue.delete(&handled).await?;
    Ok(failed)
}

fn log_panic(finished: Result<(), tokio::task::JoinError>) {
    if let Err(err) = finished {
        tracing::error!(error = %err, "a batch task failed; its messages will be delivered again");
    }
}
