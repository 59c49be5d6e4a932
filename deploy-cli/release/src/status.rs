//! `deploy status`: what is live on a stack, checked against AWS rather than only the records.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::context::StackContext;
use crate::error::ReleaseError;
use crate::functions;
use crate::migrate::{self, MigrateCommand, MigrateRequest, MigrateResult};
use crate::names::ReleaseVersion;
use crate::record::ReleaseRecord;
use crate::smoke::{self, SmokeReport, SmokeSettings};

/// One function's live state.
#[derive(Debug, Clone, Serialize)]
pub struct FunctionStatus {
    /// The version the `live` alias points at.
    pub live_version: String,
    /// The release that version belongs to, per the records (none: deployed outside `deploy`).
    pub release: Option<ReleaseVersion>,
}

/// The stack at a glance.
#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    /// Per function.
    pub functions: BTreeMap<String, FunctionStatus>,
    /// The migration heads the live release's deploy reached.
    pub release_heads: Option<MigrateResult>,
    /// The heads the databases report now (through the migrate Lambda's `status`), or why unknown.
    pub database_heads: Result<MigrateResult, String>,
    /// Health checks, one attempt each.
    pub health: SmokeReport,
    /// Whether each out-of-band secret has a value (`gemini`, `neo4j`).
    pub secrets: BTreeMap<String, Result<bool, String>>,
    /// The newest record of any kind.
    pub last: Option<ReleaseRecord>,
}

/// Gathers the status of the stack.
pub async fn status(ctx: &StackContext) -> Result<StatusReport, ReleaseError> {
    let outputs = ctx.outputs()?;
    let records = ctx.records(&outputs).all().await?;
    let live = records
        .iter()
        .rev()
        .find(|r| r.outcome == crate::record::Outcome::Live);
    let mut functions_status = BTreeMap::new();
    for function in code_remote_pulumi::function_ids() {
        let Some(name) = outputs.function_name(function) else {
            continue;
        };
        let live_version = functions::live_version(&ctx.aws.lambda, name).await?;
        let release = records
            .iter()
            .rev()
            .find(|r| {
                r.functions
                    .get(function)
                    .is_some_and(|v| v.version == live_version)
            })
            .map(|r| r.release.clone());
        functions_status.insert(
            function.to_owned(),
            FunctionStatus {
                live_version,
                release,
            },
        );
    }
    let database_heads = match outputs.function_name("migrate") {
        Some(name) => {
            let request = MigrateRequest::new(
                MigrateCommand::Status,
                live.map(|r| r.release.to_string()).unwrap_or_default(),
            );
            migrate::run(&ctx.aws.lambda, name, functions::LIVE, &request)
                .await
                .map_err(|err| err.to_string())
        }
        None => Err("no migrate function in the stack outputs".to_owned()),
    };
    let once = SmokeSettings {
        attempts: 1,
        ..ctx.smoke
    };
    let health = smoke::run(&smoke::checks(&outputs), once).await;
    let mut secrets = BTreeMap::new();
    // The same judgement as `deploy secrets list`: set means a value the functions can use.
    for secret in crate::secrets::AppSecret::ALL {
        if secret.arn(&outputs).is_err() {
            continue;
        }
        let state = crate::secrets::state(&ctx.aws.secrets, &outputs, secret)
            .await
            .map(|state| state.set)
            .map_err(|err| err.to_string());
        secrets.insert(secret.name().to_owned(), state);
    }
    Ok(StatusReport {
        functions: functions_status,
        release_heads: live.and_then(|r| r.migrations.clone()),
        database_heads,
        health,
        secrets,
        last: records.last().cloned(),
    })
}
