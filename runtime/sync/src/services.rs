//! The configured analyzer, embedder and search backend, built once at start-up for the API, the
//! sync worker and `deploy graph resync` alike.

use std::sync::Arc;

use code_remote_analysis::{AnalysisConfig, AnalysisError, GeminiConfig, Providers};
use code_remote_config::{AnalysisSettings, GeminiKeySource, SearchBackendName, SearchSettings};
use code_remote_search::neo4j::Neo4jConfig;
use code_remote_search::{Neo4jSearch, PgSearch, SearchBackend, SearchError};
use secrecy::SecretString;
use sqlx::PgPool;

/// A service that could not be built; the process stops with this message.
#[derive(Debug, thiserror::Error)]
pub enum ServicesError {
    /// The Gemini key could not be read from Secrets Manager.
    #[error("could not read the Gemini key from {arn}: {reason}; check GEMINI_API_KEY_SECRET_ARN and secretsmanager:GetSecretValue")]
    GeminiSecret {
        /// The secret's ARN.
        arn: String,
        /// What went wrong.
        reason: String,
    },
    /// The providers could not be built.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// The search backend could not be built.
    #[error(transparent)]
    Search(#[from] SearchError),
}

/// Builds the analyzer and embedder: Gemini when a key is configured (read from Secrets Manager
/// when given as an ARN), the offline providers otherwise.
pub async fn providers(
    settings: &AnalysisSettings,
    aws: &aws_config::SdkConfig,
) -> Result<Providers, ServicesError> {
    let key = match &settings.gemini_key {
        GeminiKeySource::None => None,
        GeminiKeySource::Key(key) => Some(key.clone()),
        GeminiKeySource::SecretArn(arn) => Some(read_key(arn, aws).await?),
    };
    let gemini = key.map(|key| {
        let mut config = GeminiConfig::new(key);
        config.embedding_dimension = settings.embedding_dimensions;
        if let Some(model) = &settings.model {
            config.model = model.clone();
        }
        config
    });
    Ok(Providers::from_config(&AnalysisConfig {
        gemini,
        embedding_dimension: settings.embedding_dimensions,
    })?)
}

/// Builds the configured search backend; the postgres one shares `pool` with the store.
pub async fn backend(
    settings: &SearchSettings,
    pool: PgPool,
) -> Result<Arc<dyn SearchBackend>, ServicesError> {
    match (&settings.backend, &settings.neo4j) {
        (SearchBackendName::Neo4j, Some(neo4j)) => {
            let config = Neo4jConfig {
                uri: neo4j.uri.clone(),
                user: neo4j.user.clone(),
                password: neo4j.password.clone(),
                database: neo4j.database.clone(),
            };
            Ok(Arc::new(Neo4jSearch::connect(&config).await?))
        }
        _ => Ok(Arc::new(PgSearch::new(pool).await?)),
    }
}

async fn read_key(arn: &str, aws: &aws_config::SdkConfig) -> Result<SecretString, ServicesError> {
    let failed = |reason: String| ServicesError::GeminiSecret {
        arn: arn.to_owned(),
        reason,
    };
    let output = aws_sdk_secretsmanager::Client::new(aws)
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|err| {
            failed(aws_sdk_secretsmanager::error::DisplayErrorContext(err).to_string())
        })?;
    let text = output
        .secret_string
        .ok_or_else(|| failed("the secret has no string value".to_owned()))?;
    let key = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(fields)) => fields
            .get("api_key")
            .or_else(|| fields.get("GEMINI_API_KEY"))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| failed("the JSON secret has no api_key field".to_owned()))?,
        _ => text.trim().to_owned(),
    };
    Ok(SecretString::from(key))
}
