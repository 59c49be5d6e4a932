//! `deploy up/down/outputs --stack local` and `deploy local token`: the command-line face of the
//! ephemeral stack in `code-remote-local-stack`. Cloud stacks are dispatched elsewhere; here
//! every command checks that `--stack` names the local stack first.

use anyhow::bail;
use code_remote_local_stack::{LocalName, UpOptions};

use crate::output::emit;
use crate::target::{StackTarget, LOCAL};

/// Flags of `deploy up`.
#[derive(Debug, clap::Args)]
pub struct UpArgs {
    /// The stack to bring up (`local`: the whole system on this machine).
    #[arg(long)]
    pub stack: StackTarget,
    /// The local stack's flags.
    #[command(flatten)]
    pub local: UpOptions,
    /// Cloud stacks' flags (`--release`, `--yes`).
    #[command(flatten)]
    pub cloud: crate::up::CloudUpFlags,
    /// With --detach, print the ready stack as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Flags naming a local stack.
#[derive(Debug, clap::Args)]
pub struct StackArgs {
    /// The stack (`local`).
    #[arg(long, default_value = LOCAL)]
    pub stack: StackTarget,
    /// The local stack's name.
    #[arg(long, default_value = LocalName::DEFAULT)]
    pub name: LocalName,
}

/// Flags of `deploy outputs`.
#[derive(Debug, clap::Args)]
pub struct OutputsArgs {
    /// Which stack.
    #[command(flatten)]
    pub target: StackArgs,
    /// Print JSON (`{apiUrl, websocketUrl, ...}`) instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `deploy local ...`.
#[derive(Debug, clap::Args)]
pub struct LocalArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: LocalCommand,
}

/// Subcommands of `deploy local`.
#[derive(Debug, clap::Subcommand)]
pub enum LocalCommand {
    /// Print a valid ID token for a user of a running local stack, creating the user if needed.
    Token {
        /// The username.
        #[arg(long)]
        user: String,
        /// Which stack.
        #[command(flatten)]
        target: StackArgs,
    },
}

fn require_local(stack: &StackTarget) -> anyhow::Result<()> {
    if let StackTarget::Cloud(name) = stack {
        bail!("this build of deploy runs only `--stack {LOCAL}` here; `{name}` is a cloud stack");
    }
    Ok(())
}

/// `deploy up --stack local` (`lib.rs` sends cloud stacks to `up::run`).
pub async fn up(args: UpArgs) -> anyhow::Result<()> {
    if let Some(summary) = code_remote_local_stack::up(&args.local).await? {
        emit(&summary, args.json)?;
    }
    Ok(())
}

/// `deploy down --stack local`.
pub fn down(args: StackArgs) -> anyhow::Result<()> {
    require_local(&args.stack)?;
    code_remote_local_stack::down(&args.name)?;
    println!("stack {:?} stopped and removed", args.name.as_str());
    Ok(())
}

/// `deploy outputs --stack local` (`lib.rs` sends cloud stacks to `outputs::run`).
pub fn outputs(args: OutputsArgs) -> anyhow::Result<()> {
    emit(
        &code_remote_local_stack::outputs(&args.target.name)?,
        args.json,
    )
}

/// `deploy local ...`.
pub async fn local(args: LocalArgs) -> anyhow::Result<()> {
    match args.command {
        LocalCommand::Token { user, target } => {
            require_local(&target.stack)?;
            println!(
                "{}",
                code_remote_local_stack::token(&target.name, &user).await?
            );
            Ok(())
        }
    }
}
