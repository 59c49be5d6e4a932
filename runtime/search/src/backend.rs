//! The [`SearchBackend`] interface shared by both implementations.

use code_remote_analysis::intent::ComplexityKind;
use code_remote_domain::{SnippetId, UserId};
use futures_util::future::BoxFuture;

use crate::document::{SearchHit, SemanticQuery, SnippetDocument};
use crate::SearchError;

/// Which implementation answers (`SEARCH_BACKEND`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendKind {
    /// Tables in the application's PostgreSQL.
    Postgres,
    /// The Neo4j graph.
    Neo4j,
}

impl BackendKind {
    /// Parses `postgres` or `neo4j`.
    pub fn parse(value: &str) -> Result<Self, SearchError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Ok(Self::Postgres),
            "neo4j" => Ok(Self::Neo4j),
            other => Err(SearchError::UnknownBackend(other.to_owned())),
        }
    }

    /// The configuration spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Neo4j => "neo4j",
        }
    }
}

/// Stores snippet documents and answers a user's search questions. Object safe, so the backend
/// is chosen by configuration at start-up (`Arc<dyn SearchBackend>`).
pub trait SearchBackend: Send + Sync {
    /// Which implementation this is.
    fn kind(&self) -> BackendKind;

    /// Inserts or replaces the document of one snippet. A document older than the stored one
    /// (by `updated_at`) is ignored, so replayed and reordered events cannot roll it back.
    fn upsert<'a>(
        &'a self,
        document: &'a SnippetDocument,
    ) -> BoxFuture<'a, Result<(), SearchError>>;

    /// Removes the document of a snippet; removing a missing one is not an error.
    fn delete(&self, snippet: SnippetId) -> BoxFuture<'_, Result<(), SearchError>>;

    /// The user's snippets ranked by similarity to `query.embedding` (or, without one, by the
    /// structured filters alone: starred first, then most recent), filtered and boosted.
    fn search<'a>(
        &'a self,
        user: UserId,
        query: &'a SemanticQuery,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SearchError>>;

    /// The user's snippets whose time or space complexity is exactly `notation` (canonical form).
    fn by_complexity<'a>(
        &'a self,
        user: UserId,
        kind: ComplexityKind,
        notation: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SearchError>>;

    /// The user's snippets closest to `snippet`, never including it; `None` when the user has no
    /// such document.
    fn similar(
        &self,
        user: UserId,
        snippet: SnippetId,
        limit: usize,
    ) -> BoxFuture<'_, Result<Option<Vec<SearchHit>>, SearchError>>;

    /// How many documents each embedder (`Embedder::id`) wrote: after a switch of embedder, the
    /// documents still to re-embed with `deploy graph resync` (reported by `/health?deep=1`).
    fn vector_spaces(&self) -> BoxFuture<'_, Result<Vec<(String, u64)>, SearchError>>;

    /// How questions are ranked here, for `/health?deep=1` (`exact scan and full text`,
    /// `vector and full-text indexes`, ...): a degraded mode is reported, never silent.
    fn ranking(&self) -> BoxFuture<'_, Result<&'static str, SearchError>>;

    /// Every stored document's snippet id, so a resync can drop documents whose snippet is gone.
    fn document_ids(&self) -> BoxFuture<'_, Result<Vec<SnippetId>, SearchError>>;

    /// Whether the backend answers at all (for logs and health).
    fn ping(&self) -> BoxFuture<'_, bool>;
}
