//! Test support shared by the runtime crates' tests.
//!
//! [`migrated_database`] gives a test its own database in the shared ephemeral cluster, brought to
//! the head revision by the project's migration engine, exactly as a deployment would be. With the
//! `app` feature, [`spawn_app`] starts the API over such a database and moto; with `stack`,
//! [`Stack`] adds a sandbox worker and WebSocket clients.
#![deny(missing_docs)]

#[cfg(feature = "app")]
mod app;
#[cfg(feature = "app")]
pub use app::{spawn_app, AppOptions, QueueEngine, TestApp, Users};
#[cfg(feature = "stack")]
mod stack;
#[cfg(feature = "stack")]
pub use stack::{Client, Stack, MAX_RECEIVE_COUNT, VISIBILITY_TIMEOUT};

use code_remote_ephemeral_postgres::TestDatabase;
use code_remote_migrations::postgres::PostgresBackend;
use code_remote_migrations::{Dialect, History, Migrator, Source, Target};
use sqlx::postgres::{PgPool, PgPoolOptions};

/// A fresh database at the head revision, and a pool connected to it. Keep the [`TestDatabase`]
/// alive for the test's duration.
pub async fn migrated_database() -> (TestDatabase, PgPool) {
    let database = TestDatabase::create()
        .await
        .unwrap_or_else(|err| panic!("starting a test database failed: {err}"));
    let history = History::load(&Source::embedded(Dialect::Postgres))
        .unwrap_or_else(|err| panic!("loading the migrations failed: {err}"));
    let backend = PostgresBackend::connect(database.url())
        .await
        .unwrap_or_else(|err| panic!("connecting the migration engine failed: {err}"));
    let mut migrator = Migrator::new(history, backend);
    migrator
        .upgrade(&Target::Head)
        .await
        .unwrap_or_else(|err| panic!("migrating the test database failed: {err}"));
    let pool = PgPoolOptions::new()
        .max_connections(5)
        .connect(database.url())
        .await
        .unwrap_or_else(|err| panic!("connecting to the test database failed: {err}"));
    (database, pool)
}
