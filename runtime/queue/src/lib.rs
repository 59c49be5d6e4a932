//! The execution queue (SQS FIFO): the API sends jobs, the worker takes them.
//!
//! One user's jobs share a message group (their Cognito `sub`), so they stay ordered while users
//! never wait on each other; the job id is the deduplication id, so a retried send is harmless.
//! [`sync::SyncQueue`] carries snippet-sync events to the sync worker the same way.
//! [`process_batch`] is the one partial-batch adapter: the Lambda entry point and the local polling
//! loop both run a batch through it and get back the ids of the messages that failed.
#![deny(missing_docs)]

mod batch;
mod client;
pub mod sync;

pub use batch::{process_batch, BatchMessage};
pub use client::{ExecutionQueue, QueueError, ReceivedMessage};
pub use sync::{SyncEvent, SyncEventType, SyncQueue};
