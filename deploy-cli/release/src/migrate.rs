//! Migrations through the migrate Lambda: the request `deploy` sends and the structured result
//! the Lambda's handler returns.
//!
//! The result is a contract, not free text: `status`, and per database the revisions applied and
//! the head reached. Anything else (including an echo of the request, which is what moto's Lambda
//! returns when no result is queued) is refused as [`ReleaseError::NotAMigrationResult`], so a
//! deploy never moves traffic on an answer it cannot read.

use aws_sdk_lambda::primitives::Blob;
use serde::{Deserialize, Serialize};

use crate::error::ReleaseError;

/// What the migrate Lambda is asked to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MigrateRequest {
    /// `upgrade` (to the heads embedded in the deployed binary) or `status`.
    pub command: String,
    /// The databases, in order: PostgreSQL first (expand), then Neo4j.
    pub databases: Vec<String>,
    /// The release whose migrations these are, for the Lambda's log.
    pub release: String,
}

/// Whether the migrations succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MigrateStatus {
    /// Every database is at its head.
    Ok,
    /// A migration failed; the databases say which.
    Failed,
}

/// One database's part of the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseResult {
    /// `postgres` or `neo4j`.
    pub database: String,
    /// Revisions applied by this call, in order.
    pub applied: Vec<String>,
    /// The revision the database is at now (none for an empty history).
    pub head: Option<String>,
    /// Why it failed, when it did.
    #[serde(default)]
    pub error: Option<String>,
}

/// The migrate Lambda's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrateResult {
    /// Overall status.
    pub status: MigrateStatus,
    /// Per database, in the order they ran.
    pub databases: Vec<DatabaseResult>,
}

impl MigrateResult {
    /// Reads a Lambda response payload; refuses anything that is not a result.
    pub fn parse(payload: &[u8]) -> Result<Self, ReleaseError> {
        serde_json::from_slice(payload).map_err(|err| {
            let text = String::from_utf8_lossy(payload);
            let shown: String = text.chars().take(200).collect();
            ReleaseError::NotAMigrationResult(format!("{err}; got: {shown}"))
        })
    }

    /// One line per database: `postgres at 0005 (applied 0004, 0005)`.
    pub fn summary(&self) -> String {
        self.databases
            .iter()
            .map(|db| {
                let head = db.head.as_deref().unwrap_or("empty");
                let applied = if db.applied.is_empty() {
                    "nothing to apply".to_owned()
                } else {
                    format!("applied {}", db.applied.join(", "))
                };
                match &db.error {
                    Some(error) => format!("{} at {head}: {error}", db.database),
                    None => format!("{} at {head} ({applied})", db.database),
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Invokes `function` at `qualifier` (the release's published version, so the migrations run are
/// the ones embedded in this release) and returns its result, or the failure it reports.
pub async fn run(
    lambda: &aws_sdk_lambda::Client,
    function: &str,
    qualifier: &str,
    request: &MigrateRequest,
) -> Result<MigrateResult, ReleaseError> {
    let payload = serde_json::to_vec(request).map_err(|source| ReleaseError::Unreadable {
        what: "migrate request".to_owned(),
        source,
    })?;
    let response = lambda
        .invoke()
        .function_name(function)
        .qualifier(qualifier)
        .payload(Blob::new(payload))
        .send()
        .await
        .map_err(|err| {
            ReleaseError::MigrationFailed(ReleaseError::aws("lambda:Invoke", err).to_string())
        })?;
    let body = response
        .payload()
        .map(|blob| blob.as_ref().to_vec())
        .unwrap_or_default();
    if let Some(kind) = response.function_error() {
        let text: String = String::from_utf8_lossy(&body).chars().take(500).collect();
        return Err(ReleaseError::MigrationFailed(format!(
            "the migrate Lambda raised {kind}: {text}"
        )));
    }
    let result = MigrateResult::parse(&body)?;
    if result.status == MigrateStatus::Failed {
        return Err(ReleaseError::MigrationFailed(result.summary()));
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_echoed_request_is_not_a_result() {
        let request = MigrateRequest {
            command: "upgrade".to_owned(),
            databases: vec!["postgres".to_owned()],
            release: "v1".to_owned(),
        };
        let echo = serde_json::to_vec(&request).unwrap();
        assert!(matches!(
            MigrateResult::parse(&echo),
            Err(ReleaseError::NotAMigrationResult(_))
        ));
        assert!(matches!(
            MigrateResult::parse(b"Simple Lambda happy path OK"),
            Err(ReleaseError::NotAMigrationResult(_))
        ));
    }

    #[test]
    fn a_result_reads_and_summarises() {
        let text = br#"{"status":"ok","databases":[{"database":"postgres","applied":["0004","0005"],"head":"0005"},{"database":"neo4j","applied":[],"head":"0002"}]}"#;
        let result = MigrateResult::parse(text).unwrap();
        assert_eq!(
            result.summary(),
            "postgres at 0005 (applied 0004, 0005); neo4j at 0002 (nothing to apply)"
        );
    }
}
