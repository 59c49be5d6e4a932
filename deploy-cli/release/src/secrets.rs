//! The application secrets a stack creates empty (the Gemini key, the Neo4j credentials):
//! `deploy secrets list|set`, and the check `deploy up` makes before it moves traffic. A value
//! is judged by the same rules the functions read it with (`code_remote_credentials::secrets`).

use chrono::{DateTime, Utc};
use code_remote_credentials::secrets as rules;
use code_remote_pulumi::StackOutputs;
use serde::Serialize;

use crate::error::ReleaseError;

/// One of the secrets an operator fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AppSecret {
    /// `{"api_key": ...}` or the bare key; empty means the offline analyzer.
    Gemini,
    /// `{"uri", "username", "password", "database"?}`; needed when the search backend is Neo4j.
    Neo4j,
}

impl AppSecret {
    /// Both, in listing order.
    pub const ALL: [AppSecret; 2] = [AppSecret::Gemini, AppSecret::Neo4j];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Gemini => "gemini",
            Self::Neo4j => "neo4j",
        }
    }

    /// The secret named on the command line.
    pub fn parse(name: &str) -> Result<Self, ReleaseError> {
        Self::ALL
            .into_iter()
            .find(|secret| secret.name() == name)
            .ok_or_else(|| {
                ReleaseError::Invalid(format!(
                    "no secret {name:?}: the stack's secrets are gemini and neo4j"
                ))
            })
    }

    fn output_key(self) -> &'static str {
        match self {
            Self::Gemini => "geminiSecretArn",
            Self::Neo4j => "neo4jSecretArn",
        }
    }

    /// The secret's ARN, from the stack's outputs.
    pub fn arn(self, outputs: &StackOutputs) -> Result<&str, ReleaseError> {
        outputs
            .get(self.output_key())
            .filter(|arn| arn.starts_with("arn:"))
            .ok_or_else(|| {
                ReleaseError::Invalid(format!(
                    "the stack has no {} output: deploy it once with `deploy up` first",
                    self.output_key()
                ))
            })
    }

    /// Whether `value` is something the functions can use (never echoed in the error).
    fn usable(self, arn: &str, value: &str) -> Result<bool, ReleaseError> {
        let refused = |err: rules::SecretError| ReleaseError::Invalid(err.reason);
        match self {
            Self::Gemini => Ok(rules::parse_gemini_key(arn, value)
                .map_err(refused)?
                .is_some()),
            Self::Neo4j => Ok(rules::parse_neo4j(arn, value).map_err(refused)?.is_some()),
        }
    }
}

/// What `deploy secrets list` shows of a secret: never its value.
#[derive(Debug, Clone, Serialize)]
pub struct SecretState {
    /// Which secret.
    pub secret: AppSecret,
    /// Its ARN.
    pub arn: String,
    /// Whether it holds a value the functions can use.
    pub set: bool,
    /// When its value last changed, if it has one.
    pub changed: Option<DateTime<Utc>>,
}

/// The state of `secret` on the stack whose outputs are `outputs`.
pub async fn state(
    client: &aws_sdk_secretsmanager::Client,
    outputs: &StackOutputs,
    secret: AppSecret,
) -> Result<SecretState, ReleaseError> {
    let arn = secret.arn(outputs)?.to_owned();
    let value = rules::read_string(client, &arn)
        .await
        .map_err(|err| ReleaseError::Aws {
            operation: "secretsmanager:GetSecretValue",
            message: err.reason,
        })?;
    let set = match &value {
        Some(value) => secret.usable(&arn, value).unwrap_or(false),
        None => false,
    };
    let changed = if value.is_some() {
        client
            .describe_secret()
            .secret_id(&arn)
            .send()
            .await
            .ok()
            .and_then(|d| d.last_changed_date)
            .and_then(|date| DateTime::from_timestamp(date.secs(), 0))
    } else {
        None
    };
    Ok(SecretState {
        secret,
        arn,
        set,
        changed,
    })
}

/// Stores `value` in `secret` after checking it has the shape the functions read.
pub async fn set(
    client: &aws_sdk_secretsmanager::Client,
    outputs: &StackOutputs,
    secret: AppSecret,
    value: &str,
) -> Result<SecretState, ReleaseError> {
    let arn = secret.arn(outputs)?.to_owned();
    let value = value.trim();
    if !secret.usable(&arn, value)? {
        return Err(ReleaseError::Invalid(match secret {
            AppSecret::Gemini => "the Gemini key is empty".to_owned(),
            AppSecret::Neo4j => {
                "the Neo4j value has no uri: give {\"uri\", \"username\", \"password\"}".to_owned()
            }
        }));
    }
    client
        .put_secret_value()
        .secret_id(&arn)
        .secret_string(value)
        .send()
        .await
        .map_err(|err| ReleaseError::aws("secretsmanager:PutSecretValue", err))?;
    state(client, outputs, secret).await
}

/// What `deploy up` checks before it moves traffic: a stack whose search backend is Neo4j
/// (`searchBackend` output) must have Neo4j credentials, or its API and sync worker could not
/// search or sync. An empty Gemini key only means the offline analyzer, which the stack says.
pub async fn preflight(
    client: &aws_sdk_secretsmanager::Client,
    stack: &str,
    outputs: &StackOutputs,
) -> Result<(), ReleaseError> {
    if outputs.get("searchBackend") != Some("neo4j") {
        return Ok(());
    }
    let neo4j = state(client, outputs, AppSecret::Neo4j).await?;
    if neo4j.set {
        Ok(())
    } else {
        Err(ReleaseError::SecretUnset {
            stack: stack.to_owned(),
            secret: AppSecret::Neo4j.name(),
        })
    }
}
