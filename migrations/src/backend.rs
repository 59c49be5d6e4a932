//! What a database must offer the runner: a version store, a lock, and apply/revert of one
//! revision together with its bookkeeping.

use std::future::Future;
use std::time::Duration;

use serde::Serialize;

use crate::{Direction, Error, Revision, RevisionId};

/// One row of the version store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedRevision {
    /// The revision id.
    pub id: RevisionId,
    /// The checksum of the file when it was applied (or last repaired).
    pub checksum: String,
    /// The file name it was applied from.
    pub file: String,
    /// When it was applied, as the database prints it.
    pub applied_at: String,
    /// Recorded by `stamp` rather than run.
    pub stamped: bool,
    /// False while a non-transactional (Neo4j) revision is in flight or after it failed.
    pub finished: bool,
}

/// A database the runner can migrate. Every method touches only bookkeeping or one revision.
pub trait Backend {
    /// Create the version store if it does not exist.
    fn ensure_store(&mut self) -> impl Future<Output = Result<(), Error>> + Send;

    /// Take the migration lock, waiting at most `wait`; [`Error::LockTimeout`] names the holder.
    fn lock(&mut self, wait: Duration) -> impl Future<Output = Result<(), Error>> + Send;

    /// Release the migration lock.
    fn unlock(&mut self) -> impl Future<Output = Result<(), Error>> + Send;

    /// The version store's rows; empty (and nothing created) if the store does not exist.
    fn applied(&mut self) -> impl Future<Output = Result<Vec<AppliedRevision>, Error>> + Send;

    /// Run `revision`'s `up` section and record it, atomically where the database allows.
    fn apply(&mut self, revision: &Revision) -> impl Future<Output = Result<(), Error>> + Send;

    /// Run `revision`'s `down` section and forget it, atomically where the database allows.
    fn revert(&mut self, revision: &Revision) -> impl Future<Output = Result<(), Error>> + Send;

    /// Record `revision` as applied without running it (`stamp`).
    fn record(&mut self, revision: &Revision) -> impl Future<Output = Result<(), Error>> + Send;

    /// Remove a revision's row (`stamp` down, `repair` of a half-applied revision).
    fn forget(&mut self, id: &RevisionId) -> impl Future<Output = Result<(), Error>> + Send;

    /// Overwrite a stored checksum (`repair`).
    fn set_checksum(
        &mut self,
        id: &RevisionId,
        checksum: &str,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// The script that creates the version store, for dry runs.
    fn render_store(&self) -> String;

    /// Exactly what [`Backend::apply`] or [`Backend::revert`] would run, for dry runs.
    fn render(&self, revision: &Revision, direction: Direction) -> String;
}
