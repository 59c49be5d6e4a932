//! The execution worker: takes a job from the queue, marks it running, runs it in the sandbox,
//! stores the result and pushes it as an `execution_result` frame to the job owner's connection.
//! While a job runs the worker watches for its user's Stop and kills the run when it comes.
//!
//! [`Worker`] is the queue crate's `MessageHandler`: the Lambda entry (`handle_sqs_event`, which
//! answers `batchItemFailures`) and the local stack's consumer (`consume`, which keeps up to the
//! sandbox's slots of jobs in hand) both call it.
#![deny(missing_docs)]

pub mod frame;
mod worker;

pub use frame::execution_result_frame;
pub use worker::{Worker, WorkerError};
