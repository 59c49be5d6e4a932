//! The runtime's PostgreSQL access, one module per table.
//!
//! Every query is scoped by owner where the contract says "owner": a foreign snippet is
//! indistinguishable from a missing one. Queries are checked by the tests in `tests/`, which run
//! them against a real PostgreSQL migrated by the project's migration engine.
#![deny(missing_docs)]

mod connections;
mod executions;
mod snippets;
mod sync;
mod users;

use code_remote_config::DatabaseConfig;
use code_remote_credentials::{connect_options, keep_fresh, DatabaseAddressError, REFRESH_EVERY};
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::time::Duration;

pub use executions::{code_sha256, Admission, CancelOutcome, StartOutcome, StoredExecution};
pub use sync::{StoredAnalysis, SyncRow};

/// A database request that failed; the caller answers 500 without showing the cause.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// PostgreSQL refused the query or could not be reached.
    #[error("database request failed (check DATABASE_URL and that migrations ran): {0}")]
    Database(#[from] sqlx::Error),
    /// The database's address or its secret is unusable.
    #[error(transparent)]
    Address(#[from] DatabaseAddressError),
    /// A stored value this version cannot read.
    #[error("unreadable stored value: {0}; run the latest migrations")]
    Corrupt(String),
}

/// Handle to the runtime's tables; cheap to clone (it wraps a connection pool).
#[derive(Debug, Clone)]
pub struct Store {
    pool: PgPool,
}

impl Store {
    /// A pool for the configured database (reading its secret in AWS), connecting lazily: the
    /// first query connects, so start-up does not wait for the database.
    pub async fn connect(
        config: &DatabaseConfig,
        aws: &aws_config::SdkConfig,
    ) -> Result<Self, StoreError> {
        let options = connect_options(&config.source, aws).await?;
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy_with(options);
        keep_fresh(
            pool.clone(),
            config.source.clone(),
            aws.clone(),
            REFRESH_EVERY,
        );
        Ok(Self { pool })
    }

    /// Wraps an existing pool (tests, or a process that shares one).
    pub fn from_pool(pool: PgPool) -> Self {
        Self { pool }
    }

    /// The underlying pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Whether the database answers a trivial query (for `GET /health?deep=true`).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}
