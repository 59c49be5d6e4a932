//! The configured analyzer, embedder and search backend, built once at start-up for the API, the
//! sync worker and `deploy graph resync` alike.

use std::sync::Arc;

use code_remote_analysis::{AnalysisConfig, AnalysisError, GeminiConfig, Providers};
use code_remote_config::{AnalysisSettings, GeminiKeySource, SearchBackendName, SearchSettings};
use code_remote_credentials::secrets::{self, SecretError};
use code_remote_search::{Neo4jSearch, PgSearch, SearchBackend, SearchError};
use sqlx::PgPool;

/// A service that could not be built; the process stops with this message.
#[derive(Debug, thiserror::Error)]
pub enum ServicesError {
    /// A secret could not be read.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The providers could not be built.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// The search backend could not be built.
    #[error(transparent)]
    Search(#[from] SearchError),
    /// `SEARCH_BACKEND=neo4j` but the Neo4j secret has no credentials yet.
    #[error("SEARCH_BACKEND is neo4j but the secret {0} has no Neo4j credentials: run `deploy secrets set --stack <stack> neo4j` (docs/runbook.md)")]
    Neo4jUnset(String),
    /// The sync queue (`SYNC_QUEUE_URL`) could not be opened.
    #[error("SYNC_QUEUE_URL: {0}")]
    Queue(#[from] code_remote_queue::QueueError),
}

/// Which analysis providers a process runs, for its start-up log and `GET /health?deep=1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalysisMode {
    /// Gemini explains complexity and embeds text.
    Gemini,
    /// No key is configured (or its secret is still empty): the offline analyzer and embedder.
    Offline,
}

impl AnalysisMode {
    /// `gemini` or `offline`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gemini => "gemini",
            Self::Offline => "offline",
        }
    }
}

/// The providers and which kind they are.
pub struct ConfiguredProviders {
    /// The analyzer and embedder.
    pub providers: Providers,
    /// Gemini or offline.
    pub mode: AnalysisMode,
}

/// Builds the analyzer and embedder: Gemini when a key is configured (read from Secrets Manager
/// when given as an ARN), the offline providers otherwise, including when the stack's secret
/// is still empty. The choice is logged.
pub async fn providers(
    settings: &AnalysisSettings,
    aws: &aws_config::SdkConfig,
) -> Result<ConfiguredProviders, ServicesError> {
    let key = match &settings.gemini_key {
        GeminiKeySource::None => None,
        GeminiKeySource::Key(key) => Some(key.clone()),
        GeminiKeySource::SecretArn(arn) => {
            let key = secrets::gemini_key(aws, arn).await?;
            if key.is_none() {
                tracing::warn!(
                    secret = %arn,
                    "the Gemini secret is empty: running the offline analyzer and embedder \
                     (set it with `deploy secrets set --stack <stack> gemini`)"
                );
            }
            key
        }
    };
    let mode = if key.is_some() {
        AnalysisMode::Gemini
    } else {
        AnalysisMode::Offline
    };
    let gemini = key.map(|key| {
        let mut config = GeminiConfig::new(key);
        config.embedding_dimension = settings.embedding_dimensions;
        if let Some(model) = &settings.analysis_model {
            config.model = model.clone();
        }
        if let Some(model) = &settings.embedding_model {
            config.embedding_model = model.clone();
        }
        config
    });
    let providers = Providers::from_config(&AnalysisConfig {
        gemini,
        embedding_dimension: settings.embedding_dimensions,
        offline_model_dir: settings.offline_model_dir.clone(),
    })?;
    tracing::info!(
        analysis = mode.as_str(),
        embedder = providers.embedder.name(),
        "analysis providers ready"
    );
    Ok(ConfiguredProviders { providers, mode })
}

/// Builds the configured search backend; the postgres one shares `pool` with the store. Neo4j
/// credentials given as a secret are read here; an empty secret is an error naming the fix.
pub async fn backend(
    settings: &SearchSettings,
    pool: PgPool,
    aws: &aws_config::SdkConfig,
) -> Result<Arc<dyn SearchBackend>, ServicesError> {
    match (&settings.backend, &settings.neo4j) {
        (SearchBackendName::Neo4j, Some(source)) => {
            // Only a secret can be empty: credentials given directly always resolve.
            let neo4j = secrets::resolve_neo4j(aws, source).await?.ok_or_else(|| {
                let arn = match source {
                    code_remote_config::Neo4jSource::Secret(arn) => arn.as_str(),
                    code_remote_config::Neo4jSource::Credentials(_) => "",
                };
                ServicesError::Neo4jUnset(arn.to_owned())
            })?;
            Ok(Arc::new(Neo4jSearch::connect(&neo4j).await?))
        }
        _ => Ok(Arc::new(PgSearch::new(pool).await?)),
    }
}
