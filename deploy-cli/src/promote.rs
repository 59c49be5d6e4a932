//! `deploy promote vX.Y.Z --from dev --to prod`.

use code_remote_release::ReleaseVersion;

use crate::cloud::{self, step_summary, Progress};
use crate::output::emit;
use crate::up::{confirmer, Shown};

/// Flags of `deploy promote`.
#[derive(Debug, clap::Args)]
pub struct PromoteArgs {
    /// The release to promote.
    pub release: String,
    /// The stack it passed on.
    #[arg(long, default_value = "dev")]
    pub from: String,
    /// The stack to deploy it to.
    #[arg(long, default_value = "prod")]
    pub to: String,
    /// Apply without asking.
    #[arg(long)]
    pub yes: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Promotes the release by digest.
pub async fn run(args: PromoteArgs) -> anyhow::Result<()> {
    let release = ReleaseVersion::parse(&args.release)?;
    let from = cloud::context(&cloud::stack(&args.from)?, release.as_str()).await?;
    let target = cloud::stack(&args.to)?;
    let mut to = cloud::context(&target, release.as_str()).await?;
    to.required_artifacts = cloud::required_artifacts(&target)?;
    let progress = Progress::new();
    let confirm = confirmer(args.yes);
    let root = cloud::repo_root()?;
    let result = code_remote_release::promote(&from, &to, &release, &root, &confirm, &|event| {
        progress.show(event)
    })
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
