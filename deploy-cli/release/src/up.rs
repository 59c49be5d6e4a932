//! `deploy up`: one release onto one stack, in the order that keeps traffic safe.
//!
//! lock → drift (refused unless accepted) → preview (the saved plan's, when one is given) →
//! confirm → `pulumi up` → upload artifacts → publish versions (checked against
//! the manifest's digests) → check the secrets the stack needs → run migrations on the migrate function's *new* version (expand,
//! before traffic moves) → move the `live` aliases → enable the queue triggers (created disabled)
//! → frontend (assets, then `index.html`, then
//! stale deletions) → CloudFront invalidation → smoke tests → record → unlock. A failed smoke
//! test moves the aliases (and the frontend) back and the deploy fails; a failure before the
//! alias move leaves traffic where it was.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::Utc;
use code_remote_pulumi::{Drift, PreviewDigest, PreviewOptions, StackOutputs, UpOptions};
use serde::Serialize;

use crate::artifacts;
use crate::context::{Confirm, Event, Observer, StackContext};
use crate::error::ReleaseError;
use crate::frontend::{self, SiteFile, SyncReport};
use crate::functions;
use crate::lock::DeployLock;
use crate::manifest::Manifest;
use crate::migrate::{self, MigrateCommand, MigrateRequest, MigrateResult, MigrateStatus};
use crate::names::{ReleaseVersion, StackName};
use crate::plan::SavedPlan;
use crate::record::{FunctionVersion, Outcome, RecordKind, ReleaseRecord};
use crate::smoke::{self, SmokeReport};

/// What to deploy.
#[derive(Debug, Clone)]
pub struct UpRequest {
    /// The release.
    pub release: ReleaseVersion,
    /// Its directory (`target/release-artifacts/<release>/`, with `manifest.json`).
    pub dir: PathBuf,
    /// Where its saved plans are (`target/release-plans/<release>/`, see [`crate::plans_dir`]).
    pub plans: PathBuf,
    /// Set by promotion: the stack these exact bytes passed on.
    pub promoted_from: Option<StackName>,
    /// The checks against the stack as it is.
    pub gates: Gates,
}

/// The checks between a deploy and the stack as it is (docs/runbook.md, "Deploy").
#[derive(Debug, Clone, Copy, Default)]
pub struct Gates {
    /// Deploy although resources were changed outside Pulumi: the update first reads the cloud
    /// into the state, then puts back what the program says.
    pub accept_drift: bool,
    /// Apply the plan `deploy preview --save-plan` saved for this release and stack, and only it.
    pub plan: bool,
}

/// What a deploy did.
#[derive(Debug, Clone, Serialize)]
pub struct UpReport {
    /// The stack.
    pub stack: StackName,
    /// The release.
    pub release: ReleaseVersion,
    /// What was changed outside Pulumi before this deploy (deployed over with `--accept-drift`).
    pub drift: Drift,
    /// The plan Pulumi applied.
    pub preview: PreviewDigest,
    /// The steps, in the order they ran.
    pub steps: Vec<String>,
    /// Artifacts uploaded (already-present ones are skipped).
    pub uploaded: usize,
    /// Published versions per function.
    pub functions: BTreeMap<String, FunctionVersion>,
    /// The migrate Lambda's result.
    pub migrations: MigrateResult,
    /// The frontend sync, when the release has a frontend.
    pub frontend: Option<SyncReport>,
    /// The CloudFront invalidation id.
    pub invalidation: Option<String>,
    /// The smoke tests.
    pub smoke: SmokeReport,
    /// The key of the release record written.
    pub record: String,
}

struct Journal<'a> {
    steps: Vec<String>,
    observe: Observer<'a>,
}

impl Journal<'_> {
    fn step(&mut self, name: &str) {
        (self.observe)(Event::Step(name));
        self.steps.push(name.to_owned());
    }
    fn done(&self, name: &str, detail: String) {
        (self.observe)(Event::Done(name, detail));
    }
}

/// Deploys `request.release` to the stack; see the module docs for the order of steps.
pub async fn up(
    ctx: &StackContext,
    request: &UpRequest,
    confirm: Confirm<'_>,
    observe: Observer<'_>,
) -> Result<UpReport, ReleaseError> {
    let manifest = Manifest::read(&request.dir)?;
    if manifest.version != request.release {
        return Err(ReleaseError::Invalid(format!(
            "{} holds release {}, not {}",
            request.dir.display(),
            manifest.version,
            request.release
        )));
    }
    manifest.verify(&request.dir)?;
    for (artifact, setting) in &ctx.required_artifacts {
        if !manifest.artifacts.iter().any(|a| &a.name == artifact) {
            return Err(ReleaseError::Invalid(format!(
                "release {} has no {artifact}, which stack {} needs for `{setting}`: build \
                 the release where scripts/setup-model installed the model",
                manifest.version, ctx.stack
            )));
        }
    }
    let mut journal = Journal {
        steps: Vec::new(),
        observe,
    };
    journal.step("lock");
    let purpose = format!("up {}", request.release);
    let mut lock = match ctx.outputs() {
        Ok(outputs) => {
            let lock = ctx.lock(&outputs, &purpose).await?;
            // A stack that exists is checked before Pulumi changes anything; a first deploy
            // after its `pulumi up`, once the secrets exist.
            journal.step("secrets");
            if let Err(err) =
                crate::secrets::preflight(&ctx.aws.secrets, ctx.stack.as_str(), &outputs).await
            {
                if let Err(release) = lock.release().await {
                    tracing::warn!(%release, "could not release the deploy lock; it expires on its own");
                }
                return Err(err);
            }
            Some(lock)
        }
        // A stack that was never deployed has no outputs, so no artifacts bucket to hold the
        // lock: Pulumi's own stack lock guards its first `pulumi up`, and the deploy lock is
        // taken as soon as that update has created the bucket, before anything else runs.
        Err(ReleaseError::Pulumi(code_remote_pulumi::PulumiError::Unreadable { .. })) => {
            journal.done(
                "lock",
                "first deploy: Pulumi's stack lock guards `pulumi up`; the deploy lock follows once the artifacts bucket exists".to_owned(),
            );
            None
        }
        Err(err) => return Err(err),
    };
    if let Some(lock) = &mut lock {
        lock.keep_alive(ctx.lock_ttl);
    }
    let result = deploy(
        ctx,
        request,
        &manifest,
        confirm,
        &mut journal,
        &purpose,
        &mut lock,
    )
    .await;
    if let Some(lock) = lock {
        if let Err(err) = lock.release().await {
            tracing::warn!(%err, "could not release the deploy lock; it expires on its own");
        }
    }
    result
}

/// What was changed outside Pulumi: refused unless the request accepts it.
fn check_drift(ctx: &StackContext, request: &UpRequest) -> Result<Drift, ReleaseError> {
    let drift = ctx.pulumi.drift()?.drift();
    if drift.is_empty() || request.gates.accept_drift {
        return Ok(drift);
    }
    Err(ReleaseError::Drift {
        stack: ctx.stack.to_string(),
        table: drift.to_string(),
    })
}

async fn deploy(
    ctx: &StackContext,
    request: &UpRequest,
    manifest: &Manifest,
    confirm: Confirm<'_>,
    journal: &mut Journal<'_>,
    purpose: &str,
    lock: &mut Option<DeployLock>,
) -> Result<UpReport, ReleaseError> {
    let started_at = Utc::now();
    // A stack never deployed has no state to drift from.
    let drift = match lock {
        Some(_) => {
            journal.step("drift");
            check_drift(ctx, request)?
        }
        None => Drift::default(),
    };
    let saved = match request.gates.plan {
        true => Some(SavedPlan::load(&request.plans, &ctx.stack)?),
        false => None,
    };
    // Putting drift back needs a plan made after reading the cloud, as the update will be.
    if let Some(saved) = saved
        .as_ref()
        .filter(|saved| !saved.refreshed && !drift.is_empty())
    {
        return Err(ReleaseError::PlanMismatch {
            stack: ctx.stack.to_string(),
            differences: format!(
                "it was made without reading the cloud, so it cannot put back the {} resources \
                 changed outside Pulumi (saved in {})",
                drift.len(),
                saved.pulumi_plan.display()
            ),
        });
    }
    let refresh = !drift.is_empty() || saved.as_ref().is_some_and(|saved| saved.refreshed);
    journal.step("preview");
    let preview = ctx.pulumi.preview(&PreviewOptions {
        refresh,
        save_plan: None,
    })?;
    if let Some(error) = preview.errors().next() {
        return Err(ReleaseError::Invalid(format!(
            "the preview failed: {}",
            error.message.trim()
        )));
    }
    if let Some(saved) = &saved {
        let differences = saved.differences(&preview);
        if !differences.is_empty() {
            return Err(ReleaseError::PlanMismatch {
                stack: ctx.stack.to_string(),
                differences: differences.join("; "),
            });
        }
        journal.done(
            "preview",
            "the change is the one the saved plan approved".to_owned(),
        );
    }
    if !confirm(&preview) {
        return Err(ReleaseError::Cancelled);
    }
    held(lock)?;
    journal.step("pulumi up");
    let observe = journal.observe;
    let options = UpOptions {
        refresh,
        plan: saved.map(|saved| saved.pulumi_plan),
    };
    ctx.pulumi
        .up(&options, |line| observe(Event::Pulumi(line)))?;
    let outputs = ctx.pulumi.outputs()?;
    // A stack that existed had its lock taken and its secrets checked before `pulumi up`.
    let first_deploy = lock.is_none();
    if first_deploy {
        journal.step("lock");
        let mut taken = ctx.lock(&outputs, purpose).await?;
        taken.keep_alive(ctx.lock_ttl);
        *lock = Some(taken);
    }

    journal.step("artifacts");
    let uploaded = artifacts::upload(
        &ctx.aws.s3,
        &outputs.artifacts_bucket,
        &request.dir,
        manifest,
    )
    .await?;
    journal.done(
        "artifacts",
        format!("{uploaded} uploaded to s3://{}", outputs.artifacts_bucket),
    );

    let mut record = ReleaseRecord {
        kind: if request.promoted_from.is_some() {
            RecordKind::Promote
        } else {
            RecordKind::Deploy
        },
        stack: ctx.stack.clone(),
        release: request.release.clone(),
        manifest: manifest.clone(),
        functions: BTreeMap::new(),
        migrations: None,
        smoke: None,
        outcome: Outcome::Failed,
        promoted_from: request.promoted_from.clone(),
        actor: ctx.actor.clone(),
        started_at,
        finished_at: started_at,
    };
    if first_deploy {
        journal.step("secrets");
        if let Err(err) =
            crate::secrets::preflight(&ctx.aws.secrets, ctx.stack.as_str(), &outputs).await
        {
            save_best_effort(ctx, &outputs, &mut record).await;
            return Err(err);
        }
    }
    let moved = shift_traffic(ctx, &outputs, manifest, &mut record, journal, lock).await;
    let previous = match moved {
        Ok(previous) => previous,
        Err(err) => {
            save_best_effort(ctx, &outputs, &mut record).await;
            return Err(err);
        }
    };

    // From here on traffic is on the new versions: any failure (frontend, invalidation, smoke)
    // moves it back before the deploy reports the failure.
    let reference = format!("{}-{}", request.release, Utc::now().timestamp_millis());
    let shipped = ship_and_check(ctx, request, manifest, &outputs, &reference, journal).await;
    let (frontend, invalidation, smoke) = match shipped {
        Ok((frontend, invalidation, smoke)) if smoke.passed => (frontend, invalidation, smoke),
        outcome => {
            let cause = match outcome {
                Ok((_, _, smoke)) => {
                    let failures = smoke.failures();
                    record.smoke = Some(smoke);
                    ReleaseError::SmokeFailed(failures)
                }
                Err(err) => err,
            };
            journal.step("aliases back");
            match move_back(ctx, &outputs, &previous, &reference, journal).await {
                Ok(None) => {
                    record.outcome = Outcome::RolledBack;
                    save_best_effort(ctx, &outputs, &mut record).await;
                    return Err(cause);
                }
                Ok(Some(note)) => {
                    record.outcome = Outcome::RolledBack;
                    save_best_effort(ctx, &outputs, &mut record).await;
                    return Err(ReleaseError::TrafficBack {
                        cause: Box::new(cause),
                        note,
                    });
                }
                Err(back) => {
                    tracing::error!(%back, "moving the aliases back failed");
                    record.outcome = Outcome::Failed;
                    save_best_effort(ctx, &outputs, &mut record).await;
                    return Err(ReleaseError::TrafficStuck {
                        cause: Box::new(cause),
                        back: Box::new(back),
                        stack: ctx.stack.to_string(),
                    });
                }
            }
        }
    };
    record.smoke = Some(smoke.clone());
    record.outcome = Outcome::Live;
    journal.step("record");
    record.finished_at = Utc::now();
    let key = ctx.records(&outputs).save(&record).await?;
    Ok(UpReport {
        stack: ctx.stack.clone(),
        release: request.release.clone(),
        drift,
        preview,
        steps: journal.steps.clone(),
        uploaded,
        functions: record.functions.clone(),
        migrations: record.migrations.clone().unwrap_or_else(|| MigrateResult {
            status: MigrateStatus::Ok,
            databases: Vec::new(),
        }),
        frontend,
        invalidation,
        smoke,
        record: key,
    })
}

/// The frontend with the stack's `config.json`, the CloudFront invalidation, the smoke tests.
async fn ship_and_check(
    ctx: &StackContext,
    request: &UpRequest,
    manifest: &Manifest,
    outputs: &StackOutputs,
    reference: &str,
    journal: &mut Journal<'_>,
) -> Result<(Option<SyncReport>, Option<String>, SmokeReport), ReleaseError> {
    let frontend = if manifest.frontend().is_empty() {
        None
    } else {
        journal.step("frontend");
        let mut files = local_site(manifest, &request.dir)?;
        files.push(frontend::runtime_config(outputs)?);
        let report = frontend::sync(&ctx.aws.s3, &outputs.frontend_bucket, files).await?;
        journal.done(
            "frontend",
            format!(
                "{} uploaded, {} stale removed",
                report.uploaded.len(),
                report.deleted.len()
            ),
        );
        Some(report)
    };
    journal.step("triggers");
    let names = manifest
        .lambdas()
        .into_keys()
        .map(|function| ctx.function_name(outputs, &function).map(str::to_owned))
        .collect::<Result<Vec<_>, _>>()?;
    let enabled = functions::enable_triggers(&ctx.aws.lambda, &names).await?;
    journal.done("triggers", format!("{enabled} queue trigger(s) enabled"));
    journal.step("invalidate");
    let invalidation =
        Some(frontend::invalidate(&ctx.aws.cloudfront, &outputs.distribution_id, reference).await?);
    journal.step("smoke");
    let smoke = smoke::run(&smoke::checks(outputs), ctx.smoke).await;
    Ok((frontend, invalidation, smoke))
}

/// Points the aliases at `previous` again (an error here leaves traffic on the new release)
/// and, when a release was live, restores its frontend; a frontend that could not be restored
/// is returned as a note for the report, since traffic is back either way.
async fn move_back(
    ctx: &StackContext,
    outputs: &StackOutputs,
    previous: &BTreeMap<String, String>,
    reference: &str,
    journal: &mut Journal<'_>,
) -> Result<Option<String>, ReleaseError> {
    for (function, version) in previous {
        functions::move_live(
            &ctx.aws.lambda,
            ctx.function_name(outputs, function)?,
            version,
        )
        .await?;
    }
    let restore = async {
        if let Some(live) = ctx.records(outputs).live().await? {
            let files = stored_site(ctx, outputs, &live.manifest).await?;
            frontend::sync(&ctx.aws.s3, &outputs.frontend_bucket, files).await?;
            frontend::invalidate(
                &ctx.aws.cloudfront,
                &outputs.distribution_id,
                &format!("{reference}-back"),
            )
            .await?;
        }
        Ok::<_, ReleaseError>(())
    };
    journal.step("frontend back");
    Ok(restore.await.err().map(|err| {
        tracing::error!(%err, "the previous frontend could not be restored");
        format!("the previous frontend could not be restored ({err}): run `deploy rollback`")
    }))
}

/// Publishes, migrates, moves the aliases; returns the versions the aliases pointed at before.
async fn shift_traffic(
    ctx: &StackContext,
    outputs: &StackOutputs,
    manifest: &Manifest,
    record: &mut ReleaseRecord,
    journal: &mut Journal<'_>,
    lock: &Option<DeployLock>,
) -> Result<BTreeMap<String, String>, ReleaseError> {
    held(lock)?;
    journal.step("publish");
    let mut previous = BTreeMap::new();
    for (function, artifact) in manifest.lambdas() {
        let name = ctx.function_name(outputs, &function)?;
        previous.insert(
            function.clone(),
            functions::live_version(&ctx.aws.lambda, name).await?,
        );
        let published = functions::publish(
            &ctx.aws.lambda,
            &function,
            name,
            manifest.version.as_str(),
            &artifact.lambda_sha256()?,
        )
        .await?;
        record.functions.insert(function, published);
    }
    journal.done(
        "publish",
        record
            .functions
            .iter()
            .map(|(f, v)| format!("{f}:{}", v.version))
            .collect::<Vec<_>>()
            .join(" "),
    );

    held(lock)?;
    journal.step("migrate");
    let migrate_fn = record
        .functions
        .get("migrate")
        .ok_or_else(|| {
            ReleaseError::MigrationFailed(
                "the release has no migrate function (migrate.zip); build it with `deploy build`"
                    .to_owned(),
            )
        })?
        .clone();
    let request = MigrateRequest::new(MigrateCommand::Upgrade, manifest.version.to_string());
    let result = migrate::run(
        &ctx.aws.lambda,
        &migrate_fn.function_name,
        &migrate_fn.version,
        &request,
    )
    .await?;
    journal.done("migrate", result.summary());
    record.migrations = Some(result);

    held(lock)?;
    journal.step("aliases");
    let mut moved: Vec<(&str, &str)> = Vec::new();
    for (function, version) in &record.functions {
        let step =
            functions::move_live(&ctx.aws.lambda, &version.function_name, &version.version).await;
        if let Err(err) = step {
            // Some aliases moved, one did not: put the moved ones back before reporting.
            for (name, function) in moved {
                if let Some(old) = previous.get(function) {
                    if let Err(back) = functions::move_live(&ctx.aws.lambda, name, old).await {
                        tracing::error!(%back, function, "could not move the alias back");
                    }
                }
            }
            return Err(err);
        }
        moved.push((&version.function_name, function));
        journal.done("aliases", format!("{function} live → {}", version.version));
    }
    Ok(previous)
}

/// Fails once the deploy lock is known to have been taken over (see [`DeployLock::ensure_held`]).
fn held(lock: &Option<DeployLock>) -> Result<(), ReleaseError> {
    lock.as_ref().map_or(Ok(()), DeployLock::ensure_held)
}

async fn save_best_effort(ctx: &StackContext, outputs: &StackOutputs, record: &mut ReleaseRecord) {
    record.finished_at = Utc::now();
    if let Err(err) = ctx.records(outputs).save(record).await {
        tracing::warn!(%err, "could not write the release record of a failed deploy");
    }
}

fn local_site(manifest: &Manifest, dir: &std::path::Path) -> Result<Vec<SiteFile>, ReleaseError> {
    manifest
        .frontend()
        .into_iter()
        .map(|(key, artifact)| {
            let path = dir.join(&artifact.name);
            let body = std::fs::read(&path).map_err(ReleaseError::io(&path))?;
            Ok(SiteFile { key, body })
        })
        .collect()
}

/// A release's frontend, read back from the artifacts bucket (digests checked).
pub(crate) async fn stored_site(
    ctx: &StackContext,
    outputs: &StackOutputs,
    manifest: &Manifest,
) -> Result<Vec<SiteFile>, ReleaseError> {
    let mut files = Vec::new();
    for (key, artifact) in manifest.frontend() {
        let body = artifacts::fetch(
            &ctx.aws.s3,
            &outputs.artifacts_bucket,
            manifest.version.as_str(),
            &artifact.name,
            &artifact.sha256,
        )
        .await?;
        files.push(SiteFile { key, body });
    }
    files.push(frontend::runtime_config(outputs)?);
    Ok(files)
}
