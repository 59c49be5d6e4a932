//! Settings of analysis, embeddings, search backends and the sync queue (issue 5's variables).

use secrecy::SecretString;

use crate::{ConfigError, Env};

/// Largest embedding dimension accepted (Gemini's embedding model tops out at 3072).
const MAX_DIMENSIONS: usize = 4096;

/// Which search backend answers `/search` and receives the sync worker's documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchBackendName {
    /// Tables in the application's PostgreSQL (the default).
    Postgres,
    /// Neo4j (AuraDB in AWS).
    Neo4j,
}

/// How to reach Neo4j.
#[derive(Debug, Clone)]
pub struct Neo4jSettings {
    /// `NEO4J_URI`, e.g. `neo4j+s://xxxx.databases.neo4j.io`.
    pub uri: String,
    /// `NEO4J_USER` (default `neo4j`).
    pub user: String,
    /// `NEO4J_PASSWORD`.
    pub password: SecretString,
    /// `NEO4J_DATABASE` (the server's default when unset).
    pub database: Option<String>,
}

/// `SEARCH_BACKEND` and what the chosen one needs.
#[derive(Debug, Clone)]
pub struct SearchSettings {
    /// `SEARCH_BACKEND`: `postgres` (default) or `neo4j`.
    pub backend: SearchBackendName,
    /// Set when the backend is `neo4j`.
    pub neo4j: Option<Neo4jSettings>,
}

impl SearchSettings {
    /// Reads `SEARCH_BACKEND` and, for `neo4j`, `NEO4J_URI`, `NEO4J_USER`, `NEO4J_PASSWORD`,
    /// `NEO4J_DATABASE`.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let backend = match env.optional("SEARCH_BACKEND").as_deref() {
            None | Some("postgres") => SearchBackendName::Postgres,
            Some("neo4j") => SearchBackendName::Neo4j,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    variable: "SEARCH_BACKEND",
                    reason: format!("expected postgres or neo4j, got {other:?}"),
                })
            }
        };
        let neo4j = match backend {
            SearchBackendName::Postgres => None,
            SearchBackendName::Neo4j => Some(Neo4jSettings::load(env)?),
        };
        Ok(Self { backend, neo4j })
    }
}

impl Neo4jSettings {
    /// Reads the `NEO4J_*` variables.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let uri = env.required("NEO4J_URI")?;
        if ![
            "bolt://",
            "bolt+s://",
            "neo4j://",
            "neo4j+s://",
            "bolt+ssc://",
            "neo4j+ssc://",
        ]
        .iter()
        .any(|scheme| uri.starts_with(scheme))
        {
            return Err(ConfigError::Invalid {
                variable: "NEO4J_URI",
                reason: format!("expected a bolt:// or neo4j:// URI, got {uri:?}"),
            });
        }
        Ok(Self {
            uri,
            user: env
                .optional("NEO4J_USER")
                .unwrap_or_else(|| "neo4j".to_owned()),
            password: SecretString::from(env.required("NEO4J_PASSWORD")?),
            database: env.optional("NEO4J_DATABASE"),
        })
    }
}

/// Where the Gemini API key comes from; none selects the offline providers.
#[derive(Debug, Clone)]
pub enum GeminiKeySource {
    /// No key: the offline analyzer and hashed embedder.
    None,
    /// `GEMINI_API_KEY` (local runs).
    Key(SecretString),
    /// `GEMINI_API_KEY_SECRET_ARN`: read from Secrets Manager once at start-up (AWS).
    SecretArn(String),
}

/// Analysis and embedding settings.
#[derive(Debug, Clone)]
pub struct AnalysisSettings {
    /// The Gemini key, if any.
    pub gemini_key: GeminiKeySource,
    /// `GEMINI_MODEL` (default `gemini-2.5-flash`).
    pub model: Option<String>,
    /// `EMBEDDING_DIMENSIONS` (default 768): the stack's embedding dimension.
    pub embedding_dimensions: usize,
}

impl AnalysisSettings {
    /// Reads `GEMINI_API_KEY` (wins when both are set), `GEMINI_API_KEY_SECRET_ARN`,
    /// `GEMINI_MODEL` and `EMBEDDING_DIMENSIONS`.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let gemini_key = match (
            env.optional("GEMINI_API_KEY"),
            env.optional("GEMINI_API_KEY_SECRET_ARN"),
        ) {
            (Some(key), _) => GeminiKeySource::Key(SecretString::from(key)),
            (None, Some(arn)) if arn.starts_with("arn:") => GeminiKeySource::SecretArn(arn),
            (None, Some(arn)) => {
                return Err(ConfigError::Invalid {
                    variable: "GEMINI_API_KEY_SECRET_ARN",
                    reason: format!("expected a Secrets Manager ARN, got {arn:?}"),
                })
            }
            (None, None) => GeminiKeySource::None,
        };
        let embedding_dimensions = env.number("EMBEDDING_DIMENSIONS", 768usize)?;
        if embedding_dimensions == 0 || embedding_dimensions > MAX_DIMENSIONS {
            return Err(ConfigError::Invalid {
                variable: "EMBEDDING_DIMENSIONS",
                reason: format!("expected 1..={MAX_DIMENSIONS}, got {embedding_dimensions}"),
            });
        }
        Ok(Self {
            gemini_key,
            model: env.optional("GEMINI_MODEL"),
            embedding_dimensions,
        })
    }
}

/// The SQS FIFO queue of snippet-sync events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncQueueConfig {
    /// `SYNC_QUEUE_URL`.
    pub sync_queue_url: String,
}

impl SyncQueueConfig {
    /// Reads `SYNC_QUEUE_URL`, which must name a FIFO queue.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let url = env.url("SYNC_QUEUE_URL", env.required("SYNC_QUEUE_URL")?)?;
        if !url.ends_with(".fifo") {
            return Err(ConfigError::Invalid {
                variable: "SYNC_QUEUE_URL",
                reason: "expected a FIFO queue (its URL ends in .fifo)".to_owned(),
            });
        }
        Ok(Self {
            sync_queue_url: url,
        })
    }

    /// Like [`SyncQueueConfig::load`], but `None` when `SYNC_QUEUE_URL` is unset.
    pub fn load_optional(env: &Env) -> Result<Option<Self>, ConfigError> {
        match env.optional("SYNC_QUEUE_URL") {
            None => Ok(None),
            Some(_) => Self::load(env).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_defaults_to_postgres_and_neo4j_needs_its_variables() {
        let settings = SearchSettings::load(&Env::from_pairs([])).unwrap();
        assert_eq!(settings.backend, SearchBackendName::Postgres);
        let err =
            SearchSettings::load(&Env::from_pairs([("SEARCH_BACKEND", "neo4j")])).unwrap_err();
        assert_eq!(err.variable(), "NEO4J_URI");
        let err = SearchSettings::load(&Env::from_pairs([("SEARCH_BACKEND", "solr")])).unwrap_err();
        assert_eq!(err.variable(), "SEARCH_BACKEND");
        let err = SearchSettings::load(&Env::from_pairs([
            ("SEARCH_BACKEND", "neo4j"),
            ("NEO4J_URI", "http://x"),
        ]))
        .unwrap_err();
        assert_eq!(err.variable(), "NEO4J_URI");
    }

    #[test]
    fn analysis_key_sources_and_dimensions() {
        let s = AnalysisSettings::load(&Env::from_pairs([])).unwrap();
        assert!(matches!(s.gemini_key, GeminiKeySource::None));
        assert_eq!(s.embedding_dimensions, 768);
        let s = AnalysisSettings::load(&Env::from_pairs([(
            "GEMINI_API_KEY_SECRET_ARN",
            "arn:aws:secretsmanager:us-east-1:1:secret:gemini",
        )]))
        .unwrap();
        assert!(matches!(s.gemini_key, GeminiKeySource::SecretArn(_)));
        let err =
            AnalysisSettings::load(&Env::from_pairs([("EMBEDDING_DIMENSIONS", "0")])).unwrap_err();
        assert_eq!(err.variable(), "EMBEDDING_DIMENSIONS");
        let err = SyncQueueConfig::load(&Env::from_pairs([("SYNC_QUEUE_URL", "http://q/sync")]))
            .unwrap_err();
        assert_eq!(err.variable(), "SYNC_QUEUE_URL");
        assert!(SyncQueueConfig::load_optional(&Env::from_pairs([]))
            .unwrap()
            .is_none());
    }
}
