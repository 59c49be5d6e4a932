//! `deploy preview --stack S [--release vX.Y.Z] [--save-plan]`: what was changed outside Pulumi
//! since the last deploy (drift, from `pulumi refresh --preview-only`), apart from the change the
//! release makes (the Pulumi plan as a table), the pending migrations, and the artifact digests
//! that would change against what is live. `--save-plan` keeps the plan for `deploy up --plan`.
//!
//! Pending migrations come from the stack's migrate Lambda (`status` through the `live` alias):
//! each database's head, against the revisions the previewed release carries (its manifest; a
//! manifest written before they were recorded falls back to this `deploy` binary's). When the
//! Lambda cannot say (it fails, or answers with something that is not a
//! result, as moto's Lambda does when it only echoes), the plan says they are unknown and why.

use std::fmt;

use code_remote_pulumi::{Drift, PreviewDigest, PreviewOptions, StackOutputs};
use code_remote_release::{
    plans_dir, pulumi_plan_path, DatabaseResult, Manifest, MigrateCommand, MigrateRequest,
    MigrateResult, MigrateStatus, ReleaseError, ReleaseVersion, SavedPlan, StackContext, LIVE,
};
use serde::Serialize;

use crate::cloud::{self, step_summary, StackFlags};
use crate::migrate::{pending, Pending};
use crate::output::emit;

/// Flags of `deploy preview`.
#[derive(Debug, clap::Args)]
pub struct PreviewArgs {
    /// Which stack, and JSON output.
    #[command(flatten)]
    pub target: StackFlags,
    /// The release to preview (its zips must be built).
    #[arg(long, env = "CODE_REMOTE_RELEASE")]
    pub release: String,
    /// Save the plan (under `target/release-plans/<release>/<stack>/`) for `deploy up --plan`.
    #[arg(long)]
    pub save_plan: bool,
    /// Plan after reading the cloud, so the plan also puts back what was changed outside Pulumi
    /// (for `deploy up --accept-drift --plan`).
    #[arg(long)]
    pub refresh: bool,
}

/// One artifact whose digest differs from the live release's.
#[derive(Debug, Serialize)]
pub struct ChangedArtifact {
    /// The artifact.
    pub name: String,
    /// Live digest (none: new).
    pub live: Option<String>,
    /// The release's digest.
    pub next: String,
}

/// The migrations `deploy up` would run.
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingMigrations {
    /// Not asked (the pure [`diff`]).
    NotChecked,
    /// Per database, from the migrate Lambda's `status`.
    Checked(Vec<Pending>),
    /// The stack has no migrate function yet: every revision is pending.
    NotDeployed(Vec<Pending>),
    /// The migrate Lambda could not tell, and why.
    Unknown(String),
}

impl fmt::Display for PendingMigrations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (heading, list) = match self {
            Self::NotChecked => return Ok(()),
            Self::Unknown(reason) => return writeln!(f, "pending migrations: unknown ({reason})"),
            Self::Checked(list) => ("pending migrations:", list),
            Self::NotDeployed(list) => (
                "pending migrations (the stack has no migrate function yet):",
                list,
            ),
        };
        writeln!(f, "{heading}")?;
        for database in list {
            writeln!(f, "  {database}")?;
        }
        Ok(())
    }
}

/// The plan.
#[derive(Debug, Serialize)]
pub struct Plan {
    /// What was changed outside Pulumi since the last deploy (`deploy up` refuses it unless
    /// `--accept-drift`).
    pub drift: Drift,
    /// Pulumi's plan.
    pub infrastructure: PreviewDigest,
    /// Migrations that would run.
    pub migrations: PendingMigrations,
    /// Artifacts that would change.
    pub artifacts: Vec<ChangedArtifact>,
    /// The live release, when records exist.
    pub live_release: Option<ReleaseVersion>,
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.drift.is_empty() {
            writeln!(f, "drift: none (the stack is as its last deploy left it)")?;
        } else {
            writeln!(
                f,
                "drift: {} resources changed outside Pulumi (deploy up refuses them unless --accept-drift):",
                self.drift.len()
            )?;
            write!(f, "{}", self.drift)?;
        }
        writeln!(f, "change this release makes:")?;
        write!(f, "{}", self.infrastructure)?;
        write!(f, "{}", self.migrations)?;
        match &self.live_release {
            Some(live) => writeln!(
                f,
                "artifacts changed since {live}: {}",
                self.artifacts.len()
            )?,
            None => writeln!(f, "no release is live on this stack yet")?,
        }
        for artifact in &self.artifacts {
            writeln!(
                f,
                "  {}  {} → {}",
                artifact.name,
                artifact
                    .live
                    .as_deref()
                    .map_or("(new)", |d| d.get(..12).unwrap_or(d)),
                artifact.next.get(..12).unwrap_or(&artifact.next)
            )?;
        }
        Ok(())
    }
}

/// Shows the plan.
pub async fn run(args: PreviewArgs) -> anyhow::Result<()> {
    let stack = &args.target.stack;
    let release = ReleaseVersion::parse(&args.release)?;
    let ctx = cloud::deploying_context(stack, release.as_str()).await?;
    let root = cloud::repo_root()?;
    let dir = root.join("target/release-artifacts").join(release.as_str());
    let manifest = Manifest::read(&dir)?;
    ctx.pulumi.login_and_select().map_err(ReleaseError::from)?;
    // A stack never deployed has no outputs or records (everything is new) and nothing to drift.
    let outputs = ctx.pulumi.outputs().ok();
    let drift = match outputs {
        Some(_) => ctx.pulumi.drift().map_err(ReleaseError::from)?.drift(),
        None => Drift::default(),
    };
    let plans = plans_dir(&root, &release);
    let save_plan = match args.save_plan {
        true => Some(pulumi_plan_path(&plans, stack)?),
        false => None,
    };
    let infrastructure = ctx
        .pulumi
        .preview(&PreviewOptions {
            refresh: args.refresh,
            save_plan: save_plan.clone(),
        })
        .map_err(ReleaseError::from)?;
    if save_plan.is_some() {
        SavedPlan::save(&plans, stack, &infrastructure, args.refresh)?;
    }
    let live = match &outputs {
        Some(outputs) => ctx.records(outputs).live().await.unwrap_or_else(|err| {
            eprintln!(
                "warning: release records unreadable, artifacts compared with nothing: {err}"
            );
            None
        }),
        None => None,
    };
    let migrations = pending_migrations(&ctx, outputs.as_ref(), &manifest).await;
    let plan = diff(
        infrastructure,
        &manifest,
        live.as_ref().map(|r| &r.manifest),
    );
    let plan = Plan {
        drift,
        live_release: live.map(|r| r.release),
        migrations,
        ..plan
    };
    step_summary(&format!("### Preview of {stack}\n\n```\n{plan}```"));
    emit(&plan, args.target.json)?;
    if let Some(error) = plan.infrastructure.errors().next() {
        return Err(ReleaseError::Invalid(format!(
            "the preview reports an error: {}",
            error.message.trim()
        ))
        .into());
    }
    Ok(())
}

/// The plan from a digest and two manifests (pure, so the benchmark can time it).
pub fn diff(infrastructure: PreviewDigest, next: &Manifest, live: Option<&Manifest>) -> Plan {
    let live_digests = live.map(Manifest::digests).unwrap_or_default();
    let artifacts = next
        .artifacts
        .iter()
        .filter(|a| live_digests.get(a.name.as_str()) != Some(&a.sha256.as_str()))
        .map(|a| ChangedArtifact {
            name: a.name.clone(),
            live: live_digests.get(a.name.as_str()).map(|d| (*d).to_owned()),
            next: a.sha256.clone(),
        })
        .collect();
    Plan {
        drift: Drift::default(),
        infrastructure,
        migrations: PendingMigrations::NotChecked,
        artifacts,
        live_release: None,
    }
}

/// Asks the stack's migrate Lambda where its databases are.
async fn pending_migrations(
    ctx: &StackContext,
    outputs: Option<&StackOutputs>,
    release: &Manifest,
) -> PendingMigrations {
    let carried = match release.migrations.is_empty() {
        true => code_remote_release::embedded_revisions().unwrap_or_default(),
        false => release.migrations.clone(),
    };
    let Some(function) = outputs.and_then(|o| o.function_name("migrate")) else {
        let empty = |database: &str| DatabaseResult {
            database: database.to_owned(),
            applied: Vec::new(),
            head: None,
            error: None,
        };
        return PendingMigrations::NotDeployed(pending(
            &MigrateResult {
                status: MigrateStatus::Ok,
                databases: vec![empty("postgres"), empty("neo4j")],
            },
            &carried,
        ));
    };
    let request = MigrateRequest::new(MigrateCommand::Status, release.version.to_string());
    match code_remote_release::invoke_migrate(&ctx.aws.lambda, function, LIVE, &request).await {
        Ok(result) if result.status == MigrateStatus::Ok => {
            PendingMigrations::Checked(pending(&result, &carried))
        }
        Ok(result) => PendingMigrations::Unknown(result.summary()),
        Err(err) => PendingMigrations::Unknown(err.to_string()),
    }
}
