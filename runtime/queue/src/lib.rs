//! The queues between the API and the workers: execution jobs and snippet-sync events, FIFO.
//!
//! One user's jobs share a message group (their Cognito `sub`), so they stay ordered while users
//! never wait on each other; the job id is the deduplication id, so a retried send is harmless.
//! [`sync::SyncQueue`] carries snippet-sync events to the sync worker the same way.
//!
//! A [`Queue`] runs on one of two engines (docs/queues.md): SQS in every deployed stack, or the
//! [`postgres`] engine in the stack's own database, the default of local stacks.
//! [`process_batch`] is the one partial-batch adapter: [`handle_sqs_event`] (the Lambda entry of both
//! workers) and the local [`consume`] loop both run a batch through it and get back the ids of the messages that failed.
//! [`serve`] is how both workers run: under Lambda or polling their queue.
#![deny(missing_docs)]

mod batch;
mod consumer;
mod engine;
mod execution;
pub mod postgres;
mod serve;
pub mod sqs;
pub mod sync;

pub use batch::{handle_sqs_event, process_batch, BatchMessage};
pub use consumer::{consume, poll_once, ConsumerOptions, MessageHandler, Polled};
pub use engine::{FifoPair, Queue, QueueError, ReceivedMessage};
pub use execution::ExecutionQueue;
pub use serve::{serve, LocalQueue, ServeError};
pub use sqs::SqsQueue;
pub use sync::{SyncEvent, SyncEventType, SyncQueue};
