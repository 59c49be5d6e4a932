//! Everything the engine can refuse or fail at, with what to do next.

use std::path::PathBuf;

/// A boxed database-driver error (sqlx or neo4rs).
pub type DriverError = Box<dyn std::error::Error + Send + Sync>;

/// Why a migration command did not complete.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A revision file is malformed.
    #[error("{file}: {reason}")]
    Parse {
        /// The file name.
        file: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Two files declare the same revision id.
    #[error("revision {id} is declared by both {first} and {second}: give one of them a new id")]
    DuplicateRevision {
        /// The id.
        id: String,
        /// The first file.
        first: String,
        /// The second file.
        second: String,
    },
    /// A file names a parent that no file declares.
    #[error("{file}: down_revision {parent} does not exist: point it at an existing revision")]
    UnknownParent {
        /// The file.
        file: String,
        /// The missing parent.
        parent: String,
    },
    /// The history forks: more than one revision has no child.
    #[error("the history has {} heads ({}): two revisions share a parent; make one revision's down_revision point at the other", .heads.len(), .heads.join(", "))]
    MultipleHeads {
        /// The heads, as `id (file)`.
        heads: Vec<String>,
    },
    /// More than one revision has no parent (or a cycle hides the chain's start).
    #[error("the history must have exactly one base revision (down_revision: none), found {}: {}", .bases.len(), .bases.join(", "))]
    BadBase {
        /// The bases found, as `id (file)`.
        bases: Vec<String>,
    },
    /// A PostgreSQL revision has no `migrate:down` section.
    #[error(
        "{file}: every PostgreSQL revision must ship a downgrade: add a `-- migrate:down` section"
    )]
    MissingDowngrade {
        /// The file.
        file: String,
    },
    /// A command named a revision that no file declares.
    #[error("unknown revision {0}: run `deploy migrate history` to list revisions")]
    UnknownRevision(String),
    /// A target string could not be understood or points the wrong way.
    #[error("bad target {target}: {reason}")]
    BadTarget {
        /// The target as given.
        target: String,
        /// Why it is refused.
        reason: String,
    },
    /// The database has a revision applied that this release does not know.
    #[error("the database has revision {0} applied, which no file in this release declares: use the release that applied it, or `stamp` after checking the schema")]
    UnknownAppliedRevision(String),
    /// The applied revisions are not a prefix of the chain.
    #[error("the applied revisions are not a prefix of the history ({0}): inspect the version table, then `stamp` the right revision")]
    InconsistentHistory(String),
    /// Applied files were edited after they were applied.
    #[error("applied migration files were edited since they ran: {}; restore them, or run `deploy migrate repair` to accept the edits", .files.join(", "))]
    ChecksumMismatch {
        /// The edited files, as `file (revision id)`.
        files: Vec<String>,
    },
    /// A Neo4j revision started but never finished.
    #[error("revision {id} ({file}) is marked as started but not finished: check the graph by hand, then run `deploy migrate repair`")]
    HalfApplied {
        /// The revision id.
        id: String,
        /// Its file.
        file: String,
    },
    /// Another run holds the migration lock.
    #[error("another migration holds the lock ({holder}); waited {waited_secs} s: retry when it has finished")]
    LockTimeout {
        /// Who holds it, as far as the database can tell.
        holder: String,
        /// How long this run waited.
        waited_secs: u64,
    },
    /// A migration statement failed; the revision was rolled back and not recorded.
    #[error("{file}: statement {index} failed: {source}\n  statement: {statement}")]
    MigrationFailed {
        /// The file.
        file: String,
        /// The statement's position in its section, from 1.
        index: usize,
        /// The statement text.
        statement: String,
        /// The database error.
        source: DriverError,
    },
    /// Any other database call failed.
    #[error("{action}: {source}")]
    Database {
        /// What was being done.
        action: String,
        /// The driver error.
        source: DriverError,
    },
    /// Reading or writing migration files failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl Error {
    /// Wrap a driver error with what was being done.
    pub(crate) fn database<E: Into<DriverError>>(
        action: impl Into<String>,
    ) -> impl FnOnce(E) -> Self {
        let action = action.into();
        move |source| Self::Database {
            action,
            source: source.into(),
        }
    }
}
