//! `deploy drift --stack S`: what was changed outside Pulumi since the stack's last deploy, from
//! `pulumi refresh --preview-only` (nothing is changed). Exits 3 when there is drift, so a
//! scheduled workflow fails and says so (docs/runbook.md, "Drift").

use std::fmt;

use code_remote_pulumi::Drift;
use code_remote_release::ReleaseError;
use serde::Serialize;

use crate::cloud::{self, step_summary, StackFlags};
use crate::output::emit;

/// Flags of `deploy drift`.
#[derive(Debug, clap::Args)]
pub struct DriftArgs {
    /// Which stack, and JSON output.
    #[command(flatten)]
    pub target: StackFlags,
}

/// The drift of one stack.
#[derive(Debug, Serialize)]
pub struct DriftReport {
    /// The stack.
    pub stack: String,
    /// The resources changed or deleted outside Pulumi.
    pub drift: Drift,
}

impl fmt::Display for DriftReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.drift.is_empty() {
            return writeln!(f, "{}: no drift", self.stack);
        }
        writeln!(
            f,
            "{}: {} resources changed outside Pulumi:",
            self.stack,
            self.drift.len()
        )?;
        write!(f, "{}", self.drift)
    }
}

/// Reports the stack's drift.
pub async fn run(args: DriftArgs) -> anyhow::Result<()> {
    let stack = &args.target.stack;
    let ctx = cloud::context(stack, "current").await?;
    ctx.pulumi.login_and_select().map_err(ReleaseError::from)?;
    let report = DriftReport {
        stack: stack.to_string(),
        drift: ctx.pulumi.drift().map_err(ReleaseError::from)?.drift(),
    };
    step_summary(&format!("### Drift of {stack}\n\n```\n{report}```"));
    emit(&report, args.target.json)?;
    if report.drift.is_empty() {
        return Ok(());
    }
    Err(ReleaseError::Drift {
        stack: stack.to_string(),
        table: report.drift.to_string(),
    }
    .into())
}
