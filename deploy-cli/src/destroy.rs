//! `deploy destroy --stack S`: tears a stack down; `prod` needs `--i-really-mean-prod`. A review
//! stack (`pr-<N>`) is also removed from the Pulumi backend: nothing of it is left.

use code_remote_release::ReleaseError;

use crate::cloud::{self, Progress, StackFlags};

/// Flags of `deploy destroy`.
#[derive(Debug, clap::Args)]
pub struct DestroyArgs {
    /// Which stack.
    #[command(flatten)]
    pub target: StackFlags,
    /// Required to destroy `prod`.
    #[arg(long)]
    pub i_really_mean_prod: bool,
}

/// Destroys the stack's resources (Pulumi refuses resources protected by the program).
pub async fn run(args: DestroyArgs) -> anyhow::Result<()> {
    let stack = &args.target.stack;
    if stack.is_prod() && !args.i_really_mean_prod {
        return Err(ReleaseError::Invalid(
            "refusing to destroy prod without --i-really-mean-prod".to_owned(),
        )
        .into());
    }
    let ctx = cloud::context(stack, "current").await?;
    let review = code_remote_infra::review::number(stack.as_str()).is_some();
    match ctx.pulumi.login_and_select() {
        // A review stack `deploy reap` got to first, or whose deploy never ran.
        Err(code_remote_pulumi::PulumiError::NoStack { .. }) if review => {
            if args.target.json {
                println!(
                    "{}",
                    serde_json::json!({ "stack": stack.as_str(), "inBackend": false })
                );
            } else {
                println!("stack {stack} is not in the backend: nothing to destroy");
            }
            return Ok(());
        }
        other => other.map_err(ReleaseError::from)?,
    }
    let progress = Progress::new();
    let result = ctx
        .pulumi
        .destroy(|line| progress.show(code_remote_release::Event::Pulumi(line)));
    progress.finish();
    let summary = result.map_err(ReleaseError::from)?;
    if review {
        ctx.pulumi.remove_stack().map_err(ReleaseError::from)?;
    }
    if args.target.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "stack {stack} destroyed ({} resources deleted)",
            summary.progress.finished
        );
    }
    Ok(())
}
