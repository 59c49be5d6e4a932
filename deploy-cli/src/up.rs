//! `deploy up --stack S --release vX.Y.Z [--yes]` for cloud stacks (`--stack local` is the
//! ephemeral stack, in `local.rs`).

use std::fmt;
use std::io::{BufRead, IsTerminal, Write};

use code_remote_pulumi::PreviewDigest;
use code_remote_release::{Gates, ReleaseVersion, StackName, UpReport, UpRequest};

use crate::cloud::{self, step_summary, Progress};
use crate::output::emit;

/// The cloud-only flags of `deploy up`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CloudUpFlags {
    /// The release to deploy (built by `deploy build`, or downloaded by `deploy promote`).
    #[arg(long, env = "CODE_REMOTE_RELEASE")]
    pub release: Option<String>,
    /// Apply without asking (implied in CI, where stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// The checks against the stack as it is.
    #[command(flatten)]
    pub gates: GateFlags,
}

/// The deploy gates' flags, shared by `deploy up` and `deploy promote`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GateFlags {
    /// Deploy although resources were changed outside Pulumi (drift): the update reads the
    /// cloud first and puts back what the program says.
    #[arg(long)]
    pub accept_drift: bool,
    /// Apply the plan `deploy preview --save-plan` saved for this release and stack; refuse
    /// when the change is no longer that one.
    #[arg(long)]
    pub plan: bool,
}

impl GateFlags {
    /// The gates these flags ask for.
    pub fn gates(&self) -> Gates {
        Gates {
            accept_drift: self.accept_drift,
            plan: self.plan,
        }
    }
}

/// A deploy report for people.
pub struct Shown(pub UpReport);

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = &self.0;
        writeln!(f, "{} is live on {}", report.release, report.stack)?;
        if !report.drift.is_empty() {
            writeln!(
                f,
                "  drift: {} resources changed outside Pulumi were read back and set as the program says",
                report.drift.len()
            )?;
        }
        for (function, version) in &report.functions {
            writeln!(f, "  {function:12} version {}", version.version)?;
        }
        writeln!(f, "  migrations: {}", report.migrations.summary())?;
        if let Some(frontend) = &report.frontend {
            writeln!(
                f,
                "  frontend: {} uploaded, {} stale removed",
                frontend.uploaded.len(),
                frontend.deleted.len()
            )?;
        }
        writeln!(f, "  smoke: passed; record {}", report.record)
    }
}

impl serde::Serialize for Shown {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Asks at a terminal; says yes with `--yes`, and in CI (no terminal), where nobody could answer (docs/runbook.md, "Deploy").
pub fn confirmer(yes: bool) -> impl Fn(&PreviewDigest) -> bool + Send + Sync {
    move |preview: &PreviewDigest| {
        eprint!("{preview}");
        if yes || !std::io::stdin().is_terminal() {
            return true;
        }
        eprint!("apply these changes? [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).is_ok()
            && matches!(answer.trim(), "y" | "yes")
    }
}

/// Deploys a release to a cloud stack.
pub async fn run(stack: &StackName, flags: CloudUpFlags, json: bool) -> anyhow::Result<()> {
    let release = ReleaseVersion::parse(flags.release.as_deref().unwrap_or_default())?;
    let mut ctx = cloud::deploying_context(stack, release.as_str()).await?;
    ctx.required_artifacts = cloud::required_artifacts(stack)?;
    let root = cloud::repo_root()?;
    let dir = root.join("target/release-artifacts").join(release.as_str());
    let plans = code_remote_release::plans_dir(&root, &release);
    let progress = Progress::new();
    let confirm = confirmer(flags.yes);
    let result = code_remote_release::up(
        &ctx,
        &UpRequest {
            release,
            dir,
            plans,
            promoted_from: None,
            gates: flags.gates.gates(),
        },
        &confirm,
        &|event| progress.show(event),
    )
    .await;
    progress.finish();
    match result {
        Ok(report) => {
            step_summary(&format!(
                "### Deployed to {}\n\n```\n{}```",
                report.stack,
                Shown(report.clone())
            ));
            emit(&Shown(report), json)
        }
        Err(err) => {
            step_summary(&format!("### Deploy to {stack} failed\n\n{err}"));
            Err(err.into())
        }
    }
}
