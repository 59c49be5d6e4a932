//! Settings of analysis, embeddings, search backends and the sync queue (issue 5's variables).

use secrecy::{ExposeSecret, SecretString};

use crate::{vars, ConfigError, Env};

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
pub struct Neo4jCredentials {
    /// `NEO4J_URI`, e.g. `neo4j+s://xxxx.databases.neo4j.io`.
    pub uri: String,
    /// `NEO4J_USER` (default `neo4j`).
    pub user: String,
    /// `NEO4J_PASSWORD`.
    pub password: SecretString,
    /// `NEO4J_DATABASE` (the server's default when unset).
    pub database: Option<String>,
}

/// Where the Neo4j credentials come from.
#[derive(Debug, Clone)]
pub enum Neo4jSource {
    /// `NEO4J_URI` and its companions (local runs, tests).
    Credentials(Neo4jCredentials),
    /// `NEO4J_SECRET_ARN`: a secret `{uri, username, password, database}` (AWS), read at start-up
    /// and empty until an operator runs `deploy secrets set` (docs/runbook.md).
    Secret(String),
}

impl Neo4jSource {
    /// The variables [`Neo4jSource::load_optional`] reads.
    pub const VARIABLES: &'static [&'static str] = &[
        vars::NEO4J_URI,
        vars::NEO4J_USER,
        vars::NEO4J_PASSWORD,
        vars::NEO4J_DATABASE,
        vars::NEO4J_SECRET_ARN,
    ];

    /// `NEO4J_URI` (and its companions) when set, else `NEO4J_SECRET_ARN`, else `None`.
    pub fn load_optional(env: &Env) -> Result<Option<Self>, ConfigError> {
        if let Some(credentials) = Neo4jCredentials::load_optional(env)? {
            return Ok(Some(Self::Credentials(credentials)));
        }
        match env.optional(vars::NEO4J_SECRET_ARN) {
            Some(arn) if arn.starts_with("arn:") => Ok(Some(Self::Secret(arn))),
            Some(other) => Err(ConfigError::Invalid {
                variable: vars::NEO4J_SECRET_ARN,
                reason: format!("expected a Secrets Manager ARN, got {other:?}"),
            }),
            None => Ok(None),
        }
    }
}

/// `SEARCH_BACKEND` and what the chosen one needs.
#[derive(Debug, Clone)]
pub struct SearchSettings {
    /// `SEARCH_BACKEND`: `postgres` (default) or `neo4j`.
    pub backend: SearchBackendName,
    /// Set when the backend is `neo4j`.
    pub neo4j: Option<Neo4jSource>,
}

impl SearchSettings {
    /// The variables [`SearchSettings::load`] reads.
    pub const VARIABLES: &'static [&'static str] = &[
        vars::SEARCH_BACKEND,
        vars::NEO4J_URI,
        vars::NEO4J_USER,
        vars::NEO4J_PASSWORD,
        vars::NEO4J_DATABASE,
        vars::NEO4J_SECRET_ARN,
    ];

    /// Reads `SEARCH_BACKEND` and, for `neo4j`, either `NEO4J_URI`, `NEO4J_USER`,
    /// `NEO4J_PASSWORD`, `NEO4J_DATABASE` or `NEO4J_SECRET_ARN`.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let backend = SearchBackendName::load(env)?;
        let neo4j = match backend {
            SearchBackendName::Postgres => None,
            SearchBackendName::Neo4j => Some(Neo4jSource::load_optional(env)?.ok_or(
                ConfigError::MissingEither(vars::NEO4J_URI, vars::NEO4J_SECRET_ARN),
            )?),
        };
        Ok(Self { backend, neo4j })
    }
}

impl SearchBackendName {
    /// Reads `SEARCH_BACKEND` (default `postgres`).
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let backend = match env.optional(vars::SEARCH_BACKEND).as_deref() {
            None | Some("postgres") => SearchBackendName::Postgres,
            Some("neo4j") => SearchBackendName::Neo4j,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    variable: vars::SEARCH_BACKEND,
                    reason: format!("expected postgres or neo4j, got {other:?}"),
                })
            }
        };
        Ok(backend)
    }

    /// The name as `SEARCH_BACKEND` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Neo4j => "neo4j",
        }
    }
}

impl Neo4jCredentials {
    /// Reads the `NEO4J_*` variables when `NEO4J_URI` is set; `None` when it is not.
    pub fn load_optional(env: &Env) -> Result<Option<Self>, ConfigError> {
        match env.optional(vars::NEO4J_URI) {
            Some(_) => Self::load(env).map(Some),
            None => Ok(None),
        }
    }

    /// The variables that give these credentials to another process ([`Neo4jCredentials::load`]
    /// reads them back). They hold the password in the clear.
    pub fn variables(&self) -> Vec<(&'static str, String)> {
        let mut variables = vec![
            (vars::NEO4J_URI, self.uri.clone()),
            (vars::NEO4J_USER, self.user.clone()),
            (
                vars::NEO4J_PASSWORD,
                self.password.expose_secret().to_owned(),
            ),
        ];
        if let Some(database) = &self.database {
            variables.push((vars::NEO4J_DATABASE, database.clone()));
        }
        variables
    }

    /// Reads the `NEO4J_*` variables.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let uri = env.required(vars::NEO4J_URI)?;
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
                variable: vars::NEO4J_URI,
                // The value is not echoed: a URI can carry credentials.
                reason: "expected a bolt://, neo4j:// (or +s, +ssc) URI".to_owned(),
            });
        }
        Ok(Self {
            uri,
            user: env
                .optional(vars::NEO4J_USER)
                .unwrap_or_else(|| "neo4j".to_owned()),
            password: SecretString::from(env.required(vars::NEO4J_PASSWORD)?),
            database: env.optional(vars::NEO4J_DATABASE),
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
    /// `ANALYSIS_MODEL` (the analyzer's default when unset).
    pub analysis_model: Option<String>,
    /// `EMBEDDING_MODEL` (the embedder's default when unset).
    pub embedding_model: Option<String>,
    /// `EMBEDDING_DIMENSIONS` (default 768): the stack's embedding dimension.
    pub embedding_dimensions: usize,
    /// `OFFLINE_EMBEDDING_MODEL_DIR`: the offline semantic embedder; when set it embeds, with or
    /// without a Gemini key (the stack's `embedder` setting, docs/search.md).
    pub offline_model_dir: Option<std::path::PathBuf>,
}

impl AnalysisSettings {
    /// The variables [`AnalysisSettings::load`] reads.
    pub const VARIABLES: &'static [&'static str] = &[
        vars::GEMINI_API_KEY,
        vars::GEMINI_API_KEY_SECRET_ARN,
        vars::ANALYSIS_MODEL,
        vars::EMBEDDING_MODEL,
        vars::EMBEDDING_DIMENSIONS,
        vars::OFFLINE_EMBEDDING_MODEL_DIR,
    ];

    /// Reads `GEMINI_API_KEY` (wins when both are set), `GEMINI_API_KEY_SECRET_ARN`,
    /// `ANALYSIS_MODEL`, `EMBEDDING_MODEL`, `EMBEDDING_DIMENSIONS` and
    /// `OFFLINE_EMBEDDING_MODEL_DIR`.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let gemini_key = match (
            env.optional(vars::GEMINI_API_KEY),
            env.optional(vars::GEMINI_API_KEY_SECRET_ARN),
        ) {
            (Some(key), _) => GeminiKeySource::Key(SecretString::from(key)),
            (None, Some(arn)) if arn.starts_with("arn:") => GeminiKeySource::SecretArn(arn),
            (None, Some(arn)) => {
                return Err(ConfigError::Invalid {
                    variable: vars::GEMINI_API_KEY_SECRET_ARN,
                    reason: format!("expected a Secrets Manager ARN, got {arn:?}"),
                })
            }
            (None, None) => GeminiKeySource::None,
        };
        let embedding_dimensions = embedding_dimensions(env)?;
        Ok(Self {
            gemini_key,
            analysis_model: env.optional(vars::ANALYSIS_MODEL),
            embedding_model: env.optional(vars::EMBEDDING_MODEL),
            embedding_dimensions,
            offline_model_dir: env
                .optional(vars::OFFLINE_EMBEDDING_MODEL_DIR)
                .map(std::path::PathBuf::from),
        })
    }
}

/// Reads `EMBEDDING_DIMENSIONS` (default 768), which must be within 1..=4096.
pub(crate) fn embedding_dimensions(env: &Env) -> Result<usize, ConfigError> {
    let dimensions = env.number(vars::EMBEDDING_DIMENSIONS, 768usize)?;
    if dimensions == 0 || dimensions > MAX_DIMENSIONS {
        return Err(ConfigError::Invalid {
            variable: vars::EMBEDDING_DIMENSIONS,
            reason: format!("expected 1..={MAX_DIMENSIONS}, got {dimensions}"),
        });
    }
    Ok(dimensions)
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
        assert!(err.to_string().contains("NEO4J_SECRET_ARN"), "{err}");
        let settings = SearchSettings::load(&Env::from_pairs([
            ("SEARCH_BACKEND", "neo4j"),
            (
                "NEO4J_SECRET_ARN",
                "arn:aws:secretsmanager:eu-west-1:1:secret:neo4j",
            ),
        ]))
        .unwrap();
        assert!(
            matches!(settings.neo4j, Some(Neo4jSource::Secret(ref arn)) if arn.ends_with(":neo4j"))
        );
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
    }
}
