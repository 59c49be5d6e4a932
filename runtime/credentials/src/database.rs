//! Database address and credentials: a URL locally, a Secrets Manager secret in AWS (fetched at
//! start-up, so a request never waits on it, then re-read in the background: RDS rotates the
//! managed master password, and a warm process must pick up the new one for its new
//! connections; see [`keep_fresh`]).

use code_remote_config::DatabaseSource;
use secrecy::ExposeSecret;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use std::str::FromStr;

/// The database cannot be reached with what the settings and the secret give.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseAddressError {
    /// The database secret could not be read.
    #[error("could not read the database secret {arn}: {reason}; check DATABASE_SECRET_ARN and the secretsmanager:GetSecretValue permission")]
    Secret {
        /// The secret's ARN.
        arn: String,
        /// What went wrong.
        reason: String,
    },
    /// The database address is incomplete or malformed.
    #[error("the database address is unusable: {0}")]
    Address(String),
}

/// Connection options for `source`, reading the secret through `aws` when there is one.
pub async fn connect_options(
    source: &DatabaseSource,
    aws: &aws_config::SdkConfig,
) -> Result<PgConnectOptions, DatabaseAddressError> {
    match source {
        DatabaseSource::Url(url) => PgConnectOptions::from_str(url.expose_secret()).map_err(|_| {
            DatabaseAddressError::Address("DATABASE_URL is not a valid postgres URL".into())
        }),
        DatabaseSource::Secret {
            arn,
            host,
            name,
            port,
        } => {
            let secret = read_secret(arn, aws).await?;
            let field = |key: &str| secret.get(key).and_then(Value::as_str).map(str::to_owned);
            let missing = |what: &str| DatabaseAddressError::Secret {
                arn: arn.clone(),
                reason: format!("it has no {what}"),
            };
            let username = field("username").ok_or_else(|| missing("username"))?;
            let password = field("password").ok_or_else(|| missing("password"))?;
            let host = host.clone().or_else(|| field("host")).ok_or_else(|| {
                DatabaseAddressError::Address("set DATABASE_HOST (the secret has no host)".into())
            })?;
            let database = name.clone().or_else(|| field("dbname")).ok_or_else(|| {
                DatabaseAddressError::Address("set DATABASE_NAME (the secret has no dbname)".into())
            })?;
            let port = port
                .or_else(|| {
                    secret
                        .get("port")
                        .and_then(Value::as_u64)
                        .and_then(|p| u16::try_from(p).ok())
                })
                .unwrap_or(5432);
            Ok(PgConnectOptions::new()
                .host(&host)
                .port(port)
                .username(&username)
                .password(&password)
                .database(&database)
                .ssl_mode(PgSslMode::Require))
        }
    }
}

/// The database secret as JSON, read by the one secret reader ([`crate::secrets::read_string`]).
async fn read_secret(
    arn: &str,
    aws: &aws_config::SdkConfig,
) -> Result<Value, DatabaseAddressError> {
    let failed = |reason: String| DatabaseAddressError::Secret {
        arn: arn.to_owned(),
        reason,
    };
    let client = aws_sdk_secretsmanager::Client::new(aws);
    let text = crate::secrets::read_string(&client, arn)
        .await
        .map_err(|err| failed(err.reason))?
        .ok_or_else(|| failed("it was not found or has no current value".into()))?;
    serde_json::from_str(&text).map_err(|_| failed("its value is not a JSON object".into()))
}

/// How often a process re-reads its database secret.
pub const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Re-reads the database secret of `source` every `every` ([`REFRESH_EVERY`] in the runtime) and
/// gives `pool` the new options when the secret changed (rotation), so new connections use the
/// new password while existing ones keep working. Nothing to do for a URL. Ends when `pool` is
/// closed.
pub fn keep_fresh(
    pool: sqlx::PgPool,
    source: DatabaseSource,
    aws: aws_config::SdkConfig,
    every: std::time::Duration,
) {
    if !matches!(source, DatabaseSource::Secret { .. }) {
        return;
    }
    tokio::spawn(async move {
        let mut last = fingerprint(&pool.connect_options());
        while !pool.is_closed() {
            tokio::time::sleep(every).await;
            match connect_options(&source, &aws).await {
                Ok(options) => {
                    let now = fingerprint(&options);
                    if now != last {
                        tracing::info!("the database secret changed: new connections use it");
                        pool.set_connect_options(options);
                        last = now;
                    }
                }
                Err(err) => tracing::warn!(%err, "could not re-read the database secret"),
            }
        }
    });
}

/// What identifies a set of credentials, without keeping the password itself around.
fn fingerprint(options: &PgConnectOptions) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(format!("{options:?}").as_bytes()))
}
