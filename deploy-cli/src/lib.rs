//! The `deploy` tool. Each subcommand is a module with a clap argument struct and
//! `pub async fn run(args)`; `main` only parses and dispatches, so later subcommands (build,
//! preview, up, local stacks) slot in beside [`migrate`].
//!
//! Exit codes: 0 success, 1 the command failed (message on stderr), 2 bad usage (from clap).

pub mod local;
pub mod migrate;
pub mod output;

/// The command line.
#[derive(Debug, clap::Parser)]
#[command(name = "deploy", about = "Build, ship and migrate Code Remote")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Inspect and move the database schema (PostgreSQL or Neo4j).
    Migrate(migrate::MigrateArgs),
    /// Bring a stack up (`--stack local`: the whole system on this machine, until Ctrl-C).
    Up(local::UpArgs),
    /// Stop a local stack and remove everything it created.
    Down(local::StackArgs),
    /// Print a stack's outputs.
    Outputs(local::OutputsArgs),
    /// Local stack helpers (`deploy local token --user NAME`).
    Local(local::LocalArgs),
}

/// Run one parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Migrate(args) => migrate::run(args).await,
        Command::Up(args) => local::up(args).await,
        Command::Down(args) => local::down(args),
        Command::Outputs(args) => local::outputs(args),
        Command::Local(args) => local::local(args).await,
    }
}
