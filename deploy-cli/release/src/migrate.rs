//! Migrations through the migrate Lambda: the request `deploy` sends and the structured result
//! the Lambda's handler returns (both defined once, in `code_remote_migrations::remote`, which the
//! Lambda uses too).
//!
//! The result is a contract, not free text: `status`, and per database the revisions applied and
//! the head reached. Anything else (including an echo of the request, which is what moto's Lambda
//! returns when no result is queued) is refused as [`ReleaseError::NotAMigrationResult`], so a
//! deploy never moves traffic on an answer it cannot read.

use aws_sdk_lambda::primitives::Blob;
pub use code_remote_migrations::remote::{
    Database, DatabaseResult, MigrateCommand, MigrateRequest, MigrateResult, MigrateStatus,
};

use crate::error::ReleaseError;

/// Reads a Lambda response payload; refuses anything that is not a result.
pub fn parse_result(payload: &[u8]) -> Result<MigrateResult, ReleaseError> {
    serde_json::from_slice(payload).map_err(|err| {
        let text = String::from_utf8_lossy(payload);
        let shown: String = text.chars().take(200).collect();
        ReleaseError::NotAMigrationResult(format!("{err}; got: {shown}"))
    })
}

/// Invokes `function` at `qualifier` (the release's published version, so the migrations run are
/// the ones embedded in this release) and returns its result, or the failure it reports.
pub async fn run(
    lambda: &aws_sdk_lambda::Client,
    function: &str,
    qualifier: &str,
    request: &MigrateRequest,
) -> Result<MigrateResult, ReleaseError> {
    let result = invoke(lambda, function, qualifier, request).await?;
    if result.status == MigrateStatus::Failed {
        return Err(ReleaseError::MigrationFailed(result.summary()));
    }
    Ok(result)
}

/// Invokes `function` at `qualifier` and returns its result as it is, a reported failure
/// included (`deploy migrate` prints it); an error, an echo or any other unreadable answer is
/// refused.
pub async fn invoke(
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
    parse_result(&body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_echoed_request_is_not_a_result() {
        let request = MigrateRequest::new(MigrateCommand::Upgrade, "v1");
        let echo = serde_json::to_vec(&request).unwrap();
        assert!(matches!(
            parse_result(&echo),
            Err(ReleaseError::NotAMigrationResult(_))
        ));
        assert!(matches!(
            parse_result(b"Simple Lambda happy path OK"),
            Err(ReleaseError::NotAMigrationResult(_))
        ));
    }

    #[test]
    fn a_result_reads_and_summarises() {
        let text = br#"{"status":"ok","databases":[{"database":"postgres","applied":["0004","0005"],"head":"0005"},{"database":"neo4j","applied":[],"head":"0002"}]}"#;
        let result = parse_result(text).unwrap();
        assert_eq!(
            result.summary(),
            "postgres at 0005 (applied 0004, 0005); neo4j at 0002 (nothing to apply)"
        );
    }
}
