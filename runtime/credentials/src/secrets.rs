//! The application secrets a stack creates empty and an operator fills (`deploy secrets set`):
//! the Gemini API key and the Neo4j credentials; the database secret is read through the same
//! [`read_string`]. One reader for every function, so "empty" means
//! the same everywhere: no version yet (Secrets Manager's `ResourceNotFoundException` for
//! `AWSCURRENT`), an empty string, `{}` or a JSON object whose key field is empty.

use code_remote_config::{Neo4jCredentials, Neo4jSource};
use secrecy::SecretString;
use serde_json::Value;

/// A secret that exists but could not be read or understood.
#[derive(Debug, thiserror::Error)]
#[error("could not read the secret {arn}: {reason}; check the secretsmanager:GetSecretValue and kms:Decrypt permissions, or set it with `deploy secrets set` (docs/runbook.md)")]
pub struct SecretError {
    /// The secret's ARN.
    pub arn: String,
    /// What went wrong.
    pub reason: String,
}

/// The secret's current string, `None` when it has no value yet.
pub async fn read_string(
    client: &aws_sdk_secretsmanager::Client,
    arn: &str,
) -> Result<Option<String>, SecretError> {
    let answer = client.get_secret_value().secret_id(arn).send().await;
    match answer {
        Ok(output) => Ok(output
            .secret_string()
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(str::to_owned)),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            // The secret exists (Pulumi made it) but nobody has put a value in it yet. A secret
            // that does not exist at all fails the same way; the function's policy and the
            // rendered ARN come from one program, so that is not a case a stack can reach.
            Ok(None)
        }
        Err(err) => Err(SecretError {
            arn: arn.to_owned(),
            reason: aws_sdk_secretsmanager::error::DisplayErrorContext(err).to_string(),
        }),
    }
}

/// The Gemini key in `arn`: a bare string or `{"api_key": ...}`; `None` when empty.
pub async fn gemini_key(
    aws: &aws_config::SdkConfig,
    arn: &str,
) -> Result<Option<SecretString>, SecretError> {
    let client = aws_sdk_secretsmanager::Client::new(aws);
    let Some(text) = read_string(&client, arn).await? else {
        return Ok(None);
    };
    parse_gemini_key(arn, &text).map(|key| key.map(SecretString::from))
}

/// The Neo4j credentials in `arn` (`{uri, username, password, database}`); `None` when empty.
pub async fn neo4j_credentials(
    aws: &aws_config::SdkConfig,
    arn: &str,
) -> Result<Option<Neo4jCredentials>, SecretError> {
    let client = aws_sdk_secretsmanager::Client::new(aws);
    let Some(text) = read_string(&client, arn).await? else {
        return Ok(None);
    };
    parse_neo4j(arn, &text)
}

/// Resolves a configured Neo4j source: credentials as given, or read from their secret.
pub async fn resolve_neo4j(
    aws: &aws_config::SdkConfig,
    source: &Neo4jSource,
) -> Result<Option<Neo4jCredentials>, SecretError> {
    match source {
        Neo4jSource::Credentials(settings) => Ok(Some(settings.clone())),
        Neo4jSource::Secret(arn) => neo4j_credentials(aws, arn).await,
    }
}

/// The Gemini key in a secret's text (a bare key or `{"api_key": ...}`); `None` when empty.
pub fn parse_gemini_key(arn: &str, text: &str) -> Result<Option<String>, SecretError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(fields)) => Ok(fields
            .get("api_key")
            .or_else(|| fields.get("GEMINI_API_KEY"))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|key| !key.is_empty())
            .map(str::to_owned)),
        Ok(Value::String(key)) => Ok(Some(key).filter(|key| !key.trim().is_empty())),
        Ok(_) => Err(SecretError {
            arn: arn.to_owned(),
            reason: "expected a string or {\"api_key\": ...}".to_owned(),
        }),
        Err(_) => Ok(Some(text.to_owned())),
    }
}

/// The Neo4j credentials in a secret's text; `None` when it has no `uri`.
pub fn parse_neo4j(arn: &str, text: &str) -> Result<Option<Neo4jCredentials>, SecretError> {
    let failed = |reason: &str| SecretError {
        arn: arn.to_owned(),
        reason: reason.to_owned(),
    };
    let value: Value = serde_json::from_str(text)
        .map_err(|_| failed("expected a JSON object {uri, username, password, database}"))?;
    let field = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let Some(uri) = field("uri") else {
        return Ok(None);
    };
    let password = field("password").ok_or_else(|| failed("it has a uri but no password"))?;
    let pairs = [
        (code_remote_config::vars::NEO4J_URI, uri),
        (
            code_remote_config::vars::NEO4J_USER,
            field("username").unwrap_or("neo4j"),
        ),
        (code_remote_config::vars::NEO4J_PASSWORD, password),
        (
            code_remote_config::vars::NEO4J_DATABASE,
            field("database").unwrap_or(""),
        ),
    ];
    Neo4jCredentials::load(&code_remote_config::Env::from_pairs(pairs))
        .map(Some)
        .map_err(|err| failed(&err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn gemini_key_shapes_and_empty_values() {
        assert_eq!(
            parse_gemini_key("a", "AIza").unwrap().as_deref(),
            Some("AIza")
        );
        assert_eq!(
            parse_gemini_key("a", r#"{"api_key":"k"}"#)
                .unwrap()
                .as_deref(),
            Some("k")
        );
        assert_eq!(parse_gemini_key("a", "{}").unwrap(), None);
        assert_eq!(parse_gemini_key("a", r#"{"api_key":" "}"#).unwrap(), None);
        assert!(parse_gemini_key("a", "[1]").is_err());
    }

    #[test]
    fn neo4j_secret_shapes() {
        assert!(parse_neo4j("a", "{}").unwrap().is_none());
        let settings = parse_neo4j(
            "a",
            r#"{"uri":"neo4j+s://x.databases.neo4j.io","username":"u","password":"p"}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(settings.user, "u");
        assert_eq!(settings.password.expose_secret(), "p");
        assert!(settings.database.is_none());
        let err = parse_neo4j("arn:x", r#"{"uri":"bolt://h:7687"}"#).unwrap_err();
        assert!(err.to_string().contains("no password"), "{err}");
        let err = parse_neo4j("arn:x", r#"{"uri":"http://h","password":"p"}"#).unwrap_err();
        assert!(err.to_string().contains("NEO4J_URI"), "{err}");
        assert!(parse_neo4j("arn:x", "not json").is_err());
    }
}
