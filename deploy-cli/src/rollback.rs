//! `deploy rollback --stack S [--to vX.Y.Z]`.

use std::fmt;

use code_remote_release::{ReleaseVersion, RollbackReport};

use crate::cloud::{self, step_summary, Progress, StackFlags};
use crate::output::emit;

/// Flags of `deploy rollback`.
#[derive(Debug, clap::Args)]
pub struct RollbackArgs {
    /// Which stack, and JSON output.
    #[command(flatten)]
    pub target: StackFlags,
    /// The release to go back to (default: the one live before the current one).
    #[arg(long)]
    pub to: Option<String>,
}

struct Shown(RollbackReport);

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let from = self
            .0
            .from
            .as_ref()
            .map_or_else(|| "nothing".to_owned(), ToString::to_string);
        writeln!(f, "rolled back from {from} to {}", self.0.to)?;
        for (function, version) in &self.0.aliases {
            writeln!(f, "  {function:12} live → version {version}")?;
        }
        let smoke = if self.0.smoke.passed {
            "passed".to_owned()
        } else {
            format!("FAILED: {}", self.0.smoke.failures())
        };
        writeln!(f, "  smoke: {smoke}")
    }
}

impl serde::Serialize for Shown {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Rolls the stack back.
pub async fn run(args: RollbackArgs) -> anyhow::Result<()> {
    let stack = &args.target.stack;
    let to = args.to.as_deref().map(ReleaseVersion::parse).transpose()?;
    let ctx = cloud::context(stack, to.as_ref().map_or("current", ReleaseVersion::as_str)).await?;
    let progress = Progress::new();
    let result =
        code_remote_release::rollback(&ctx, to.as_ref(), &|event| progress.show(event)).await;
    progress.finish();
    let report = Shown(result?);
    step_summary(&format!("### Rollback of {stack}\n\n```\n{report}```"));
    emit(&report, args.target.json)
}
