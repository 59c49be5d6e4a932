//! `deploy rehearse --stack S`: the stack's cloud path on this machine (see
//! `code-remote-rehearse`): its rendered program, its functions in Lambda mode under the
//! Runtime API emulator, moto and PostgreSQL for AWS. Exits 1 when a step fails.

use std::path::PathBuf;

use anyhow::Context;
use code_remote_config::Function;
use code_remote_rehearse::{Options, Secrets};
use code_remote_release::StackName;

use crate::output::emit;

/// Flags of `deploy rehearse`.
#[derive(Debug, clap::Args)]
pub struct RehearseArgs {
    /// The stack whose rendered program is rehearsed (`stacks/<stack>.yaml`).
    #[arg(long)]
    pub stack: StackName,
    /// Whether the application secrets hold values (as after `deploy secrets set`) or are
    /// empty (as a first deploy leaves them).
    #[arg(long, value_enum, default_value = "empty")]
    pub secrets: SecretsArg,
    /// The directory holding the stack files (default: the workspace's `stacks/`): rehearse
    /// settings before committing them.
    #[arg(long)]
    pub stacks_dir: Option<PathBuf>,
    /// Where the functions' binaries are (default: next to `deploy`).
    #[arg(long, env = "CODE_REMOTE_BIN_DIR")]
    pub bin_dir: Option<PathBuf>,
    /// The cargo-lambda executable (default: the project's `.venv/bin/cargo-lambda`).
    #[arg(long, env = "CARGO_LAMBDA")]
    pub cargo_lambda: Option<PathBuf>,
    /// Take VARIABLE out of FUNCTION's rendered environment (`worker:WEBSOCKET_MANAGEMENT_URL`):
    /// what a broken stack would do; the rehearsal must then fail.
    #[arg(long, value_name = "FUNCTION:VARIABLE")]
    pub unset: Vec<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `--secrets`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SecretsArg {
    /// No values, as Pulumi creates them.
    Empty,
    /// The Gemini key set.
    Filled,
}

/// Runs the rehearsal and prints its report.
pub async fn run(args: RehearseArgs) -> anyhow::Result<()> {
    let workspace = code_remote_local_stack::project_root();
    let mut unset = Vec::new();
    for item in &args.unset {
        let (function, variable) = item
            .split_once(':')
            .context("--unset takes FUNCTION:VARIABLE")?;
        let function = Function::from_id(function)
            .with_context(|| format!("--unset: no function {function:?}"))?;
        unset.push((function, variable.to_owned()));
    }
    let options = Options {
        stack: args.stack.to_string(),
        stacks_dir: args.stacks_dir.unwrap_or_else(|| workspace.join("stacks")),
        bin_dir: match args.bin_dir {
            Some(dir) => dir,
            None => code_remote_local_stack::bin_dir()?,
        },
        cargo_lambda: args
            .cargo_lambda
            .unwrap_or_else(|| workspace.join(".venv/bin/cargo-lambda")),
        workspace,
        secrets: match args.secrets {
            SecretsArg::Empty => Secrets::Empty,
            SecretsArg::Filled => Secrets::Filled,
        },
        unset,
    };
    let report = code_remote_rehearse::rehearse(&options)
        .await
        .with_context(|| format!("rehearsing stack {}", args.stack))?;
    emit(&report, args.json)?;
    if !report.passed() {
        let failed: Vec<String> = report
            .failures()
            .iter()
            .map(|step| format!("{} {}", step.function.as_deref().unwrap_or("-"), step.name))
            .collect();
        anyhow::bail!("the rehearsal failed: {}", failed.join("; "));
    }
    Ok(())
}
