//! `deploy rollback`: moves the `live` aliases and the frontend back to an earlier release that
//! passed on this stack. It never touches a database: migrations are expand-then-contract, so the
//! previous code runs on the current schema.

use chrono::Utc;
use serde::Serialize;

use crate::context::{Event, Observer, StackContext};
use crate::error::ReleaseError;
use crate::frontend;
use crate::functions;
use crate::names::ReleaseVersion;
use crate::record::{Outcome, RecordKind, ReleaseRecord};
use crate::smoke::{self, SmokeReport};
use crate::up::stored_site;

/// What a rollback did.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackReport {
    /// The release that was live.
    pub from: Option<ReleaseVersion>,
    /// The release live now.
    pub to: ReleaseVersion,
    /// The alias moves, `function → version`.
    pub aliases: Vec<(String, String)>,
    /// Smoke tests after the move (reported, not acted on).
    pub smoke: SmokeReport,
    /// The record written.
    pub record: String,
}

/// Rolls the stack back to `to`, or to the release live before the current one.
pub async fn rollback(
    ctx: &StackContext,
    to: Option<&ReleaseVersion>,
    observe: Observer<'_>,
) -> Result<RollbackReport, ReleaseError> {
    let outputs = ctx.outputs()?;
    let mut lock = ctx.lock(&outputs, "rollback").await?;
    lock.keep_alive(ctx.lock_ttl);
    let result = async {
        let started_at = Utc::now();
        let store = ctx.records(&outputs);
        let records = store.all().await?;
        let current = records
            .iter()
            .rev()
            .find(|r| r.outcome == Outcome::Live)
            .map(|r| r.release.clone());
        let target = match to {
            Some(release) => records
                .iter()
                .rev()
                .find(|r| &r.release == release && r.passed()),
            None => {
                let live: Vec<&ReleaseRecord> = records
                    .iter()
                    .filter(|r| r.outcome == Outcome::Live)
                    .collect();
                live.iter()
                    .rev()
                    .map(|r| &r.release)
                    .find(|release| Some(*release) != current.as_ref())
                    .and_then(|release| {
                        records
                            .iter()
                            .rev()
                            .find(|r| &r.release == release && r.passed())
                    })
            }
        }
        .ok_or_else(|| ReleaseError::NoPreviousRelease(ctx.stack.to_string()))?
        .clone();

        observe(Event::Step("aliases"));
        let mut aliases = Vec::new();
        for (function, version) in &target.functions {
            functions::move_live(&ctx.aws.lambda, &version.function_name, &version.version).await?;
            aliases.push((function.clone(), version.version.clone()));
        }
        if !target.manifest.frontend().is_empty() {
            observe(Event::Step("frontend"));
            let files = stored_site(ctx, &outputs, &target.manifest).await?;
            frontend::sync(&ctx.aws.s3, &outputs.frontend_bucket, files).await?;
            let reference = format!(
                "rollback-{}-{}",
                target.release,
                Utc::now().timestamp_millis()
            );
            frontend::invalidate(&ctx.aws.cloudfront, &outputs.distribution_id, &reference).await?;
        }
        observe(Event::Step("smoke"));
        let smoke = smoke::run(&smoke::checks(&outputs), ctx.smoke).await;
        let record = ReleaseRecord {
            kind: RecordKind::Rollback,
            stack: ctx.stack.clone(),
            release: target.release.clone(),
            manifest: target.manifest.clone(),
            functions: target.functions.clone(),
            migrations: None,
            smoke: Some(smoke.clone()),
            outcome: Outcome::Live,
            promoted_from: None,
            actor: ctx.actor.clone(),
            started_at,
            finished_at: Utc::now(),
        };
        let key = store.save(&record).await?;
        Ok(RollbackReport {
            from: current,
            to: target.release,
            aliases,
            smoke,
            record: key,
        })
    }
    .await;
    if let Err(err) = lock.release().await {
        tracing::warn!(%err, "could not release the deploy lock; it expires on its own");
    }
    result
}
