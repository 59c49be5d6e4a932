//! Search over a user's snippets, behind one interface with two backends.
//!
//! The sync worker keeps a [`SnippetDocument`] per snippet in the configured backend; the API asks
//! it semantic, complexity and similar-snippet questions. Every question is scoped to the calling
//! user, parameterised (user text is only ever embedded or bound, never spliced into a statement),
//! read-only, bounded by a timeout and a `LIMIT`.
//!
//! Free text is answered twice and fused: by vector similarity to its embedding and by word matches
//! against titles, descriptions and analysis terms ([`FullText`], docs/search.md).
//!
//! - [`postgres::PgSearch`]: tables in the application database. With pgvector it ranks in SQL;
//!   without it (the default here) it scans the user's embeddings exactly, in Rust, with an
//!   in-process cache of vectors keyed by document revision so that warm queries only move ids.
//! - [`neo4j::Neo4jSearch`]: the graph of docs/data.md with the `snippet_embedding` vector index; every
//!   Cypher statement lives in [`neo4j::cypher`].
#![deny(missing_docs)]

mod backend;
pub mod document;
mod error;
pub mod full_text;
pub mod neo4j;
pub mod postgres;
pub mod quality;
pub mod question;
mod rank;

pub use backend::{BackendKind, SearchBackend};
pub use document::{SearchFilters, SearchHit, SemanticQuery, SnippetDocument};
pub use error::SearchError;
pub use full_text::FullText;
pub use neo4j::Neo4jSearch;
pub use postgres::PgSearch;
pub use rank::presentable;

/// The most results any question returns, whatever the caller asks.
pub const MAX_LIMIT: usize = 100;
