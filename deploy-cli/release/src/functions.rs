//! Lambda versions and the `live` aliases: publish what Pulumi deployed as an immutable version
//! (checked against the release's digest), and move traffic by moving the alias.

use crate::error::ReleaseError;
use crate::record::FunctionVersion;

/// The alias every trigger (API Gateway, SQS mappings) targets.
pub const LIVE: &str = "live";

/// Publishes `$LATEST` of `function_name` as a version and checks it carries `expected_sha256`
/// (base64, as Lambda reports it). Publishing unchanged code returns the existing version.
pub async fn publish(
    lambda: &aws_sdk_lambda::Client,
    function: &str,
    function_name: &str,
    description: &str,
    expected_sha256: &str,
) -> Result<FunctionVersion, ReleaseError> {
    let published = lambda
        .publish_version()
        .function_name(function_name)
        .code_sha256(expected_sha256)
        .description(description)
        .send()
        .await
        .map_err(|err| ReleaseError::aws("lambda:PublishVersion", err))?;
    let actual = published.code_sha256().unwrap_or_default().to_owned();
    if actual != expected_sha256 {
        return Err(ReleaseError::CodeMismatch {
            function: function.to_owned(),
            expected: expected_sha256.to_owned(),
            actual,
        });
    }
    let version = published.version().ok_or_else(|| ReleaseError::Aws {
        operation: "lambda:PublishVersion",
        message: "no version in the answer".to_owned(),
    })?;
    Ok(FunctionVersion {
        function_name: function_name.to_owned(),
        version: version.to_owned(),
        code_sha256: actual,
    })
}

/// The version the `live` alias of `function_name` points at now.
pub async fn live_version(
    lambda: &aws_sdk_lambda::Client,
    function_name: &str,
) -> Result<String, ReleaseError> {
    let alias = lambda
        .get_alias()
        .function_name(function_name)
        .name(LIVE)
        .send()
        .await
        .map_err(|err| ReleaseError::aws("lambda:GetAlias", err))?;
    Ok(alias.function_version().unwrap_or("$LATEST").to_owned())
}

/// Points the `live` alias of `function_name` at `version`.
pub async fn move_live(
    lambda: &aws_sdk_lambda::Client,
    function_name: &str,
    version: &str,
) -> Result<(), ReleaseError> {
    lambda
        .update_alias()
        .function_name(function_name)
        .name(LIVE)
        .function_version(version)
        .send()
        .await
        .map_err(|err| ReleaseError::aws("lambda:UpdateAlias", err))?;
    Ok(())
}

/// Enables every disabled SQS trigger of the functions named `function_names` (the infra
/// program creates them disabled, so that nothing consumes before the first migration and alias
/// move), listing the account's mappings once; returns how many were switched on.
pub async fn enable_triggers(
    lambda: &aws_sdk_lambda::Client,
    function_names: &[String],
) -> Result<usize, ReleaseError> {
    // A mapping made for the alias reports the alias's ARN in AWS (moto reports the version
    // the alias pointed at): the function's mappings are those of its name, any qualifier.
    let ours = |arn: &str| {
        arn.split_once(":function:")
            .and_then(|(_, rest)| rest.split(':').next())
            .is_some_and(|name| function_names.iter().any(|ours| ours == name))
    };
    let mut enabled = 0;
    let mut marker: Option<String> = None;
    loop {
        let page = lambda
            .list_event_source_mappings()
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|err| ReleaseError::aws("lambda:ListEventSourceMappings", err))?;
        for mapping in page.event_source_mappings() {
            let ours = mapping.function_arn().is_some_and(ours);
            let off = mapping.state() == Some("Disabled");
            if let (true, true, Some(uuid)) = (ours, off, mapping.uuid()) {
                lambda
                    .update_event_source_mapping()
                    .uuid(uuid)
                    .enabled(true)
                    .send()
                    .await
                    .map_err(|err| ReleaseError::aws("lambda:UpdateEventSourceMapping", err))?;
                enabled += 1;
            }
        }
        marker = page.next_marker().map(str::to_owned);
        if marker.is_none() {
            return Ok(enabled);
        }
    }
}
