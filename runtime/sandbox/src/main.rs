//! `sandbox`: run one piece of Python through the sandbox and print its ExecutionResult as
//! JSON, show which isolation layers are active, or benchmark the sandbox.

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use code_remote_sandbox::{bench, FileConfinement, Sandbox, SandboxConfig};

/// Runs untrusted Python behind OS-level isolation.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// The interpreter to use.
    #[arg(long, global = true, default_value = "/usr/bin/python3")]
    python: PathBuf,
    /// Executions allowed at once.
    #[arg(long, global = true, default_value_t = 8)]
    max_concurrency: usize,
    /// What confines a child's files: auto, landlock, supervisor or none.
    #[arg(long, global = true, default_value = "auto")]
    files: FileConfinement,
    #[command(subcommand)]
    command: Commands,
}

#[derive(Debug, Subcommand)]
enum Commands {
    /// Run a file (or `-` for standard input) and print the ExecutionResult as JSON.
    Run {
        /// Wall-clock timeout in seconds.
        #[arg(long, default_value_t = 30.0)]
        timeout: f64,
        /// The Python file, or `-` for standard input.
        #[arg(default_value = "-")]
        file: String,
    },
    /// Print which isolation layers are active on this host, as JSON.
    Layers,
    /// Measure latency and throughput against a bare interpreter spawn.
    Bench,
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let cli = Cli::parse();
    let config = SandboxConfig {
        python: cli.python.clone(),
        max_concurrency: cli.max_concurrency,
        files: cli.files,
        ..SandboxConfig::default()
    };
    match cli.command {
        Commands::Run { timeout, file } => {
            let timeout = Duration::try_from_secs_f64(timeout)
                .ok()
                .filter(|t| !t.is_zero())
                .context("--timeout must be a positive number of seconds")?;
            let code = read_code(&file)?;
            let sandbox = Sandbox::start(config)
                .await
                .context("starting the sandbox")?;
            let result = sandbox.execute(&code, timeout).await;
            println!("{}", serde_json::to_string_pretty(&result)?);
        }
        Commands::Layers => {
            let sandbox = Sandbox::start(config)
                .await
                .context("starting the sandbox")?;
            println!("{}", serde_json::to_string_pretty(sandbox.layers())?);
        }
        Commands::Bench => {
            let sandbox = Sandbox::start(config)
                .await
                .context("starting the sandbox")?;
            let options = bench::BenchOptions {
                python: cli.python,
                ..bench::BenchOptions::default()
            };
            let report = bench::run(&sandbox, &options)
                .await
                .context("running the benchmark")?;
            print!("{report}");
        }
    }
    Ok(())
}

fn read_code(file: &str) -> Result<String> {
    if file == "-" {
        let mut code = String::new();
        std::io::stdin()
            .read_to_string(&mut code)
            .context("reading standard input")?;
        Ok(code)
    } else {
        std::fs::read_to_string(file).with_context(|| format!("reading {file}"))
    }
}
