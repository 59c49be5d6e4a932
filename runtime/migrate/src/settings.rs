//! The migrate Lambda's configuration, read once at start-up: where PostgreSQL is (the config
//! crate's `DATABASE_*`), whether and how Neo4j is reached, and the embedding dimension its vector
//! index is created with.

use std::collections::HashMap;
use std::time::Duration;

use code_remote_config::{AnalysisSettings, ConfigError, DatabaseConfig, DatabaseSource, Env};
use secrecy::SecretString;

/// The variables this Lambda reads.
const VARIABLES: [&str; 13] = [
    "DATABASE_URL",
    "DATABASE_SECRET_ARN",
    "DATABASE_HOST",
    "DATABASE_NAME",
    "DATABASE_PORT",
    "DATABASE_MAX_CONNECTIONS",
    "NEO4J_URI",
    "NEO4J_USER",
    "NEO4J_PASSWORD",
    "NEO4J_DATABASE",
    "NEO4J_SECRET_ARN",
    "SEARCH_BACKEND",
    "EMBEDDING_DIMENSIONS",
];

/// Neo4j credentials given directly.
#[derive(Debug, Clone)]
pub struct Neo4jCredentials {
    /// `bolt://`, `neo4j://` (or `+s`) URI.
    pub uri: String,
    /// The user.
    pub user: String,
    /// The password.
    pub password: SecretString,
}

/// Where the Neo4j credentials come from.
#[derive(Debug, Clone)]
pub enum Neo4jSource {
    /// No Neo4j on this stack (neither `NEO4J_URI` nor `NEO4J_SECRET_ARN`).
    Absent,
    /// `NEO4J_URI`, `NEO4J_USER` (default `neo4j`), `NEO4J_PASSWORD`: local runs and tests.
    Credentials(Neo4jCredentials),
    /// `NEO4J_SECRET_ARN`: a secret `{uri, username, password}` read at each invocation, so a
    /// value set after the container started is seen; a secret without a value means no Neo4j.
    Secret(String),
}

/// Everything the handler needs to know about the stack.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How to reach PostgreSQL.
    pub postgres: DatabaseSource,
    /// How to reach Neo4j.
    pub neo4j: Neo4jSource,
    /// `SEARCH_BACKEND=neo4j`: Neo4j must be migrated, so missing credentials fail the call
    /// instead of skipping Neo4j.
    pub neo4j_required: bool,
    /// `EMBEDDING_DIMENSIONS` (default 768): the dimension of the `snippet_embedding` index.
    pub embedding_dimension: u32,
    /// How long a command waits for another run's migration lock.
    pub lock_wait: Duration,
}

impl Settings {
    /// Reads the variables through `var` (the process environment in the binary, a map in
    /// tests); a missing or malformed one is named in the error.
    pub fn load(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let values: HashMap<&str, String> = VARIABLES
            .iter()
            .filter_map(|name| var(name).map(|value| (*name, value)))
            .collect();
        let env = Env::from_pairs(values.iter().map(|(k, v)| (*k, v.as_str())));
        let given = |name: &str| {
            values
                .get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let postgres = DatabaseConfig::load(&env)?.source;
        let neo4j = if given("NEO4J_URI").is_some() {
            let loaded = code_remote_config::Neo4jSettings::load(&env)?;
            Neo4jSource::Credentials(Neo4jCredentials {
                uri: loaded.uri,
                user: loaded.user,
                password: loaded.password,
            })
        } else {
            match given("NEO4J_SECRET_ARN") {
                Some(arn) if arn.starts_with("arn:") => Neo4jSource::Secret(arn),
                Some(other) => {
                    return Err(ConfigError::Invalid {
                        variable: "NEO4J_SECRET_ARN",
                        reason: format!("expected a Secrets Manager ARN, got {other:?}"),
                    })
                }
                None => Neo4jSource::Absent,
            }
        };
        let neo4j_required = match given("SEARCH_BACKEND").as_deref() {
            None | Some("postgres") => false,
            Some("neo4j") => true,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    variable: "SEARCH_BACKEND",
                    reason: format!("expected postgres or neo4j, got {other:?}"),
                })
            }
        };
        let dimension = AnalysisSettings::load(&env)?.embedding_dimensions;
        let embedding_dimension = u32::try_from(dimension).map_err(|_| ConfigError::Invalid {
            variable: "EMBEDDING_DIMENSIONS",
            reason: format!("{dimension} is too large"),
        })?;
        Ok(Self {
            postgres,
            neo4j,
            neo4j_required,
            embedding_dimension,
            lock_wait: code_remote_migrations::migrator::DEFAULT_LOCK_WAIT,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::load(|name| map.get(name).cloned())
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
        assert!(matches!(settings.neo4j, Neo4jSource::Secret(ref arn) if arn.ends_with(":neo4j")));
        assert!(settings.neo4j_required);
        assert_eq!(settings.embedding_dimension, 768);
    }
}
