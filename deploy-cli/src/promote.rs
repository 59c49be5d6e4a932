//! `deploy promote vX.Y.Z --from dev --to prod`.

use code_remote_release::{ReleaseVersion, StackName};

use crate::cloud::{self, step_summary, Progress};
use crate::output::emit;
use crate::up::{confirmer, GateFlags, Shown};

/// Flags of `deploy promote`.
#[derive(Debug, clap::Args)]
pub struct PromoteArgs {
    /// The release to promote.
    pub release: String,
    /// The stack it passed on.
    #[arg(long, default_value = "dev")]
    pub from: StackName,
    /// The stack to deploy it to.
    #[arg(long, default_value = "prod")]
    pub to: StackName,
    /// Apply without asking.
    #[arg(long)]
    pub yes: bool,
    /// The deploy gates on the target stack (`--accept-drift`, `--plan`), as for `deploy up`.
    #[command(flatten)]
    pub gates: GateFlags,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Promotes the release by digest.
pub async fn run(args: PromoteArgs) -> anyhow::Result<()> {
    let release = ReleaseVersion::parse(&args.release)?;
    let from = cloud::context(&args.from, release.as_str()).await?;
    let mut to = cloud::context(&args.to, release.as_str()).await?;
    to.required_artifacts = cloud::required_artifacts(&args.to)?;
    let progress = Progress::new();
    let confirm = confirmer(args.yes);
    let root = cloud::repo_root()?;
    let result = code_remote_release::promote(
        &from,
        &to,
        &release,
        &root,
        args.gates.gates(),
        &confirm,
        &|event| progress.show(event),
    )
    .await;
    progress.finish();
    let report = result?;
    step_summary(&format!(
        "### Promoted {release} from {} to {}\n\n```\n{}```",
        args.from,
        args.to,
        Shown(report.deploy.clone())
    ));
    emit(&Shown(report.deploy), args.json)
}
