//! The migration engine: Alembic-style revision chains with sqlx-style layering, for PostgreSQL
//! and Neo4j, with the project's revisions compiled in.
//!
//! Layers, bottom up:
//! - [`revision`]: one parsed file (id, parent, description, up/down statements, checksum);
//! - [`source`]: where files come from (embedded, a directory, or an in-memory list for tests);
//! - [`history`]: the validated chain (one base, one head, no forks);
//! - [`backend`]: what a database must offer (version store, lock, apply, revert), implemented
//!   by [`postgres::PostgresBackend`] and [`neo4j::Neo4jBackend`];
//! - [`migrator`]: the database-agnostic runner (`upgrade`, `downgrade`, `stamp`, `repair`, ...);
//! - [`remote`]: the migrate Lambda's request and result, shared with the `deploy` tool.
//!
//! ```no_run
//! # async fn example() -> Result<(), code_remote_migrations::Error> {
//! use code_remote_migrations::{postgres::PostgresBackend, Dialect, History, Migrator, Source, Target};
//! let history = History::load(&Source::embedded(Dialect::Postgres))?;
//! let backend = PostgresBackend::connect("postgres://postgres@127.0.0.1:5432/app").await?;
//! let mut migrator = Migrator::new(history, backend);
//! let report = migrator.upgrade(&Target::Head).await?;
//! println!("{report}");
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod backend;
mod error;
pub mod history;
pub mod migrator;
pub mod neo4j;
pub mod plan;
pub mod postgres;
pub mod remote;
pub mod revision;
pub mod scaffold;
pub mod source;
mod split;

pub use backend::{AppliedRevision, Backend};
pub use error::Error;
pub use history::History;
pub use migrator::Migrator;
pub use plan::{Direction, Plan, Target};
pub use revision::{Dialect, Revision, RevisionId};
pub use source::Source;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
