//! Applying every migration to a fresh stack, through the project's migration engine.

use code_remote_config::Neo4jCredentials;
use code_remote_migrations::neo4j::{Neo4jBackend, Neo4jSettings};
use code_remote_migrations::postgres::PostgresBackend;
use code_remote_migrations::{Dialect, History, Migrator, Source, Target};

use crate::Error;

/// Upgrades the PostgreSQL database at `url` to the head revision.
pub async fn postgres(url: &str) -> Result<(), Error> {
    let failed = |source| Error::Migrations {
        database: "PostgreSQL",
        source,
    };
    let history = History::load(&Source::embedded(Dialect::Postgres)).map_err(failed)?;
    let backend = PostgresBackend::connect(url).await.map_err(failed)?;
    let mut migrator = Migrator::new(history, backend);
    migrator.upgrade(&Target::Head).await.map_err(failed)?;
    Ok(())
}

/// Upgrades the Neo4j database `credentials` name to the head revision; its vector index takes
/// the offline model's dimension when the stack embeds with it.
pub async fn neo4j(credentials: &Neo4jCredentials, offline_model: bool) -> Result<(), Error> {
    let failed = |source| Error::Migrations {
        database: "Neo4j",
        source,
    };
    let history = History::load(&Source::embedded(Dialect::Neo4j)).map_err(failed)?;
    let settings = if offline_model {
        Neo4jSettings::with_embedding_dimension(crate::services::OFFLINE_MODEL_DIMENSION as u32)
            .map_err(failed)?
    } else {
        Neo4jSettings::default()
    };
    let backend = Neo4jBackend::connect(credentials, settings)
        .await
        .map_err(failed)?;
    let mut migrator = Migrator::new(history, backend);
    migrator.upgrade(&Target::Head).await.map_err(failed)?;
    Ok(())
}
