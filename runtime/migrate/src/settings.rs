//! The migrate Lambda's configuration: the stack contract's [`MigrateSettings`] (where PostgreSQL
//! and Neo4j are, whether Neo4j is mandatory, the vector index's dimension) and how long a
//! command waits for another run's lock.

use std::time::Duration;

use code_remote_config::{ConfigError, DatabaseSource, Env, MigrateSettings, Neo4jSource};

/// Everything the handler needs to know about the stack.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How to reach PostgreSQL.
    pub postgres: DatabaseSource,
    /// How to reach Neo4j, when the stack has it (credentials, or their secret, read at each
    /// invocation so a value set after the container started is seen).
    pub neo4j: Option<Neo4jSource>,
    /// `SEARCH_BACKEND=neo4j`: Neo4j must be migrated, so missing credentials fail the call
    /// instead of skipping Neo4j.
    pub neo4j_required: bool,
    /// `EMBEDDING_DIMENSIONS` (default 768): the dimension of the `snippet_embedding` index.
    pub embedding_dimension: u32,
    /// How long a command waits for another run's migration lock.
    pub lock_wait: Duration,
}

impl Settings {
    /// Reads the variables of `Function::Migrate`; a missing or malformed one is named.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let settings = MigrateSettings::load(env)?;
        Ok(Self {
            postgres: settings.database.source,
            neo4j: settings.neo4j,
            neo4j_required: settings.neo4j_required,
            embedding_dimension: settings.embedding_dimension,
            lock_wait: code_remote_migrations::migrator::DEFAULT_LOCK_WAIT,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::load(&Env::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn the_database_is_required_and_bad_values_are_named() {
        assert_eq!(load(&[]).unwrap_err().variable(), "DATABASE_URL");
        let url = ("DATABASE_URL", "postgres://u:p@h/db");
        assert_eq!(
            load(&[url, ("NEO4J_SECRET_ARN", "unset")])
                .unwrap_err()
                .variable(),
            "NEO4J_SECRET_ARN"
        );
        assert_eq!(
            load(&[url, ("NEO4J_URI", "bolt://h:7687")])
                .unwrap_err()
                .variable(),
            "NEO4J_PASSWORD"
        );
        assert_eq!(
            load(&[url, ("SEARCH_BACKEND", "elastic")])
                .unwrap_err()
                .variable(),
            "SEARCH_BACKEND"
        );
        assert_eq!(
            load(&[url, ("EMBEDDING_DIMENSIONS", "0")])
                .unwrap_err()
                .variable(),
            "EMBEDDING_DIMENSIONS"
        );
    }

    #[test]
    fn the_stack_shape_reads_as_a_secret_for_each_database() {
        let settings = load(&[
            (
                "DATABASE_SECRET_ARN",
                "arn:aws:secretsmanager:us-east-1:1:secret:db",
            ),
            ("DATABASE_HOST", "cluster.example"),
            ("DATABASE_NAME", "coderemote"),
            (
                "NEO4J_SECRET_ARN",
                "arn:aws:secretsmanager:us-east-1:1:secret:neo4j",
            ),
            ("SEARCH_BACKEND", "neo4j"),
        ])
        .unwrap();
        assert!(matches!(settings.postgres, DatabaseSource::Secret { .. }));
        assert!(
            matches!(settings.neo4j, Some(Neo4jSource::Secret(ref arn)) if arn.ends_with(":neo4j"))
        );
        assert!(settings.neo4j_required);
        assert_eq!(settings.embedding_dimension, 768);
    }
}
