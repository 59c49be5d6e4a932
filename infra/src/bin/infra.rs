//! `infra`: render the Pulumi YAML program of a stack, check it, or time the render; `infra
//! bootstrap` renders (or checks) an account's bootstrap program.
//!
//! Pulumi runs `infra render` as the `compiler` of `infra/Pulumi.yaml`; the stack is chosen with
//! `--stack`, `CODE_REMOTE_STACK` or Pulumi's `PULUMI_STACK`, the release with `--release` or
//! `CODE_REMOTE_RELEASE`. `infra/bootstrap/Pulumi.yaml` runs `infra bootstrap` the same way, its
//! stack naming the account.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use code_remote_infra::bootstrap::BootstrapConfig;
use code_remote_infra::config::find_stacks_dir;
use code_remote_infra::render::{render, Format};
use code_remote_infra::{bench, bootstrap, check, stack, StackConfig};

/// Code Remote infrastructure: a typed Rust model rendered as a Pulumi YAML program.
#[derive(Parser)]
#[command(name = "infra", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the Pulumi YAML (or JSON) program of a stack; the same input gives the same bytes.
    Render {
        #[command(flatten)]
        target: Target,
        /// Output format.
        #[arg(long, value_enum, default_value = "yaml")]
        format: OutputFormat,
    },
    /// Run the schema and policy checks; exits 1 when any fails.
    Check {
        #[command(flatten)]
        target: Target,
    },
    /// Print (or, with `--check`, check) an account's bootstrap program.
    Bootstrap {
        /// The account (`dev`, `prod`): settings in `stacks/bootstrap-<account>.yaml`; else
        /// `CODE_REMOTE_ACCOUNT`, then the last segment of `PULUMI_STACK`.
        #[arg(long, env = "CODE_REMOTE_ACCOUNT")]
        account: Option<String>,
        /// The directory holding the settings (default: the nearest `stacks/` above the cwd).
        #[arg(long, env = "CODE_REMOTE_STACKS_DIR")]
        stacks_dir: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "yaml")]
        format: OutputFormat,
        /// Run the schema and policy checks instead of printing; exits 1 when any fails.
        #[arg(long)]
        check: bool,
    },
    /// Time building and rendering a stack (median of N runs) against rendering alone.
    Bench {
        #[command(flatten)]
        target: Target,
        /// Number of runs.
        #[arg(long, default_value_t = 50)]
        runs: usize,
    },
}

#[derive(Args)]
struct Target {
    /// The stack whose settings `stacks/<stack>.yaml` holds (else `$PULUMI_STACK`, which
    /// Pulumi sets when it runs the compiler).
    #[arg(long, env = "CODE_REMOTE_STACK")]
    stack: Option<String>,
    /// The release whose Lambda zips `deploy build` wrote under target/release-artifacts/.
    #[arg(long, env = "CODE_REMOTE_RELEASE", default_value = "current")]
    release: String,
    /// The directory holding the stack files (default: the nearest `stacks/` above the cwd).
    #[arg(long, env = "CODE_REMOTE_STACKS_DIR")]
    stacks_dir: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Yaml,
    Json,
}

/// The stack Pulumi's plugin discovery gets: it runs the compiler without `PULUMI_STACK` and
/// only reads the package list, which every stack shares.
const DISCOVERY_STACK: &str = "dev";

impl Target {
    /// The stack name: `--stack`, `CODE_REMOTE_STACK`, then the last segment of `PULUMI_STACK`
    /// (`org/project/stack`); `render` alone falls back to [`DISCOVERY_STACK`].
    fn stack(&self, for_render: bool) -> Result<String> {
        if let Some(stack) = &self.stack {
            return Ok(stack.clone());
        }
        if let Ok(qualified) = std::env::var("PULUMI_STACK") {
            if let Some(stack) = qualified.rsplit('/').next().filter(|s| !s.is_empty()) {
                return Ok(stack.to_owned());
            }
        }
        if for_render {
            eprintln!("infra: no --stack, CODE_REMOTE_STACK or PULUMI_STACK; rendering `{DISCOVERY_STACK}` for plugin discovery");
            return Ok(DISCOVERY_STACK.to_owned());
        }
        anyhow::bail!("no stack given: pass --stack or set CODE_REMOTE_STACK")
    }

    fn load(&self, for_render: bool) -> Result<StackConfig> {
        let stack = self.stack(for_render)?;
        Ok(StackConfig::load(
            &stacks_dir(self.stacks_dir.as_ref())?,
            &stack,
        )?)
    }
}

/// `given`, else the nearest `stacks/` above the working directory.
fn stacks_dir(given: Option<&PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = given {
        return Ok(dir.clone());
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    find_stacks_dir(&cwd).with_context(|| {
        format!(
            "no stacks/ directory above {}; pass --stacks-dir",
            cwd.display()
        )
    })
}

fn write_program(program: &code_remote_infra::Program, format: OutputFormat) -> Result<ExitCode> {
    let format = match format {
        OutputFormat::Yaml => Format::Yaml,
        OutputFormat::Json => Format::Json,
    };
    let text = render(program, format)?;
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("cannot write the program to stdout")?;
    Ok(ExitCode::SUCCESS)
}

fn report(name: &str, report: &check::Report) -> ExitCode {
    print!("{name}: {report}");
    if report.passed() {
        println!("all checks passed");
        ExitCode::SUCCESS
    } else {
        println!("{} finding(s)", report.findings.len());
        ExitCode::from(1)
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Render { target, format } => {
            let config = target.load(true)?;
            write_program(&stack::build(&config, &target.release)?, format)
        }
        Command::Check { target } => {
            let config = target.load(false)?;
            let program = stack::build(&config, &target.release)?;
            let checked = check::run(&program, &config)?;
            Ok(report(&format!("stack {}", config.stack), &checked))
        }
        Command::Bootstrap {
            account,
            stacks_dir: dir,
            format,
            check,
        } => {
            let account = account
                .or_else(|| {
                    std::env::var("PULUMI_STACK")
                        .ok()
                        .and_then(|s| s.rsplit('/').next().map(str::to_owned))
                })
                .context("no account given: pass --account dev|prod")?;
            let config = BootstrapConfig::load(&stacks_dir(dir.as_ref())?, &account)?;
            let program = bootstrap::build(&config)?;
            if !check {
                return write_program(&program, format);
            }
            let target = check::Target {
                stack: program.stack.clone(),
                region: config.region.clone(),
            };
            let checked = check::run_for(&program, &target)?;
            Ok(report(&format!("bootstrap of {account}"), &checked))
        }
        Command::Bench { target, runs } => {
            let config = target.load(false)?;
            let result = bench::run(&config, &target.release, runs)?;
            println!(
                "stack {}: build+render median {:.3} ms, render-only median {:.3} ms ({} runs, {} bytes of YAML)",
                config.stack,
                result.build_and_render.as_secs_f64() * 1e3,
                result.render_only.as_secs_f64() * 1e3,
                result.runs,
                result.bytes
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("infra: {err:#}");
            ExitCode::from(2)
        }
    }
}
