//! The sync worker: keeps the search backend in step with PostgreSQL, the source of truth.
//!
//! Every snippet write emits a sync event (see `code_remote_queue::sync`). For each event the
//! [`SyncWorker`] reads the snippet's current row; a missing row removes the document; otherwise
//! the code is analysed if it changed since the last stored analysis (the analysis is stored on the
//! row), the snippet is embedded from the embedding input of docs/analysis.md, and the document is
//! upserted. Because only current state is read and older documents never overwrite newer ones,
//! replayed and reordered events are harmless.
//!
//! [`SyncWorker`] is the queue crate's `MessageHandler`: the SQS Lambda entry
//! (`handle_sqs_event`, partial batch failures) and the local consumer (`consume`) call it;
//! [`resync::run`]
//! rebuilds a backend from PostgreSQL (`deploy graph resync`). [`services`] builds the configured
//! analyzer, embedder and backend for every binary that needs them.
#![deny(missing_docs)]

pub mod resync;
pub mod services;
mod worker;

pub use worker::{SyncError, SyncOutcome, SyncWorker};
