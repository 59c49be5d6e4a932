//! The sync worker: keeps the search backend in step with PostgreSQL, the source of truth.
//!
//! Every snippet write emits a sync event (see `code_remote_queue::sync`). For each event the
//! [`SyncWorker`] reads the snippet's current row; a missing row removes the document; otherwise
//! the code is analysed if it changed since the last stored analysis (the analysis is stored on the
//! row), the snippet is embedded from the embedding input of docs/analysis.md, and the document is
//! upserted. Because only current state is read and older documents never overwrite newer ones,
//! replayed and reordered events are harmless.
//!
//! [`SyncWorker`] is the queue crate's `MessageHandler`, run by `code_remote_queue::serve` (under
//! Lambda or polling); [`resync::run`] rebuilds a backend from PostgreSQL (`deploy graph
//! resync`). The analyzer, embedder and backend come from `code_remote_wiring`.
#![deny(missing_docs)]

pub mod resync;
mod worker;

pub use worker::{SyncError, SyncOutcome, SyncWorker};
