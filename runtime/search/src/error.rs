//! The library's error type.

/// A search backend request that failed; the API answers `503 Search service unavailable`.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// PostgreSQL refused the query or could not be reached.
    #[error("search database request failed (check DATABASE_URL and that migrations ran): {0}")]
    Postgres(#[from] sqlx::Error),
    /// Neo4j refused the statement or could not be reached.
    #[error("neo4j request failed (check NEO4J_URI, NEO4J_USER and NEO4J_PASSWORD): {0}")]
    Neo4j(#[from] neo4rs::Error),
    /// A Neo4j row did not have the expected shape.
    #[error("unexpected neo4j row: {0}; run the neo4j migrations")]
    Neo4jRow(String),
    /// The backend did not answer in time.
    #[error("the search backend did not answer within {0:?}; retry later")]
    Timeout(std::time::Duration),
    /// The backend name in configuration is unknown.
    #[error("unknown search backend {0:?}: use postgres or neo4j")]
    UnknownBackend(String),
}
