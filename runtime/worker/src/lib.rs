//! The execution worker: takes a job from the queue, marks it running, runs it in the sandbox,
//! stores the result and pushes it as an `execution_result` frame to the job owner's connection.
//!
//! [`Worker::handle`] processes one message body; [`lambda::handle_event`] runs an SQS event through
//! the shared partial-batch adapter (answering `batchItemFailures`), and [`local::run`] long-polls
//! the queue and calls the same handler, as the local stack's worker process.
#![deny(missing_docs)]

pub mod frame;
pub mod lambda;
pub mod local;
mod worker;

pub use frame::execution_result_frame;
pub use worker::{Worker, WorkerError};
