//! `deploy promote vX.Y.Z --from dev --to prod [--from-bucket B]`: with `--from-bucket`, the
//! source's records and artifacts are read from that bucket with the target's credentials
//! (across accounts: dev's artifacts bucket, whose policy names prod's deploy role), and the
//! source's Pulumi state is never asked for.

use code_remote_release::{PromotionSource, ReleaseVersion, StackName};

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
    /// The source stack's artifacts bucket, read with the target's credentials (its
    /// `artifactsBucket` output; the bucket lists the target's role in
    /// `code-remote:promotionReaders`).
    #[arg(long, env = "CODE_REMOTE_PROMOTION_BUCKET")]
    pub from_bucket: Option<String>,
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
    let mut to = cloud::context(&args.to, release.as_str()).await?;
    to.required_artifacts = cloud::required_artifacts(&args.to)?;
    let from = match &args.from_bucket {
        Some(bucket) => PromotionSource::bucket(args.from.clone(), bucket, &to),
        None => {
            let source = cloud::context(&args.from, release.as_str()).await?;
            PromotionSource::of(&source)?
        }
    };
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
