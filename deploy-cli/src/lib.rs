//! The `deploy` tool. Each subcommand is a module with a clap argument struct and
//! `pub async fn run(args)`; `main` only parses and dispatches, so later subcommands (build,
//! preview, up, local stacks) slot in beside [`migrate`].
//!
//! Exit codes: 0 success, 1 the command failed (message on stderr), 2 bad usage (from clap);
//! cloud-stack commands add 3 (a check refused), 4 (the deploy failed), 5 (a tool or credentials
//! missing): see [`cloud`].

pub mod bootstrap;
pub mod build;
pub mod cloud;
pub mod destroy;
pub mod drift;
pub mod graph;
pub mod local;
pub mod migrate;
pub mod output;
pub mod outputs;
pub mod preview;
pub mod promote;
pub mod reap;
pub mod rehearse;
pub mod rollback;
pub mod secrets;
pub mod status;
pub mod target;
pub mod up;

use target::StackTarget;

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
    /// Everything a new AWS account needs before its first deploy (state bucket and keys, the
    /// stacks' permissions boundary, GitHub OIDC roles per environment); prints the
    /// environments' secrets.
    Bootstrap(bootstrap::BootstrapArgs),
    /// Build every Lambda (arm64 zip) and the frontend into a release with a manifest.
    Build(build::BuildArgs),
    /// Show what `deploy up` would change: the Pulumi plan and the artifacts.
    Preview(preview::PreviewArgs),
    /// Deploy to another stack exactly the bytes a stack passed smoke tests with.
    Promote(promote::PromoteArgs),
    /// Move the live aliases and the frontend back to an earlier release.
    Rollback(rollback::RollbackArgs),
    /// What is live on a stack: versions, migration heads, health, secrets, last deploy.
    Status(status::StatusArgs),
    /// Rehearse a stack's cloud path here: its rendered program, every function in Lambda mode
    /// under the Runtime API emulator, moto and PostgreSQL standing for AWS.
    Rehearse(rehearse::RehearseArgs),
    /// The application secrets a stack creates empty: `list`, `set NAME` (value on stdin).
    Secrets(secrets::SecretsArgs),
    /// Tear a cloud stack down (a review stack is also removed from the backend).
    Destroy(destroy::DestroyArgs),
    /// What was changed outside Pulumi on a cloud stack (exits 3 when anything was).
    Drift(drift::DriftArgs),
    /// Destroy the review stacks (`pr-<N>`) idle past their time to live.
    Reap(reap::ReapArgs),
    /// Search graph maintenance (`deploy graph resync`: rebuild it from PostgreSQL).
    Graph(graph::GraphArgs),
}

/// Run one parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Migrate(args) => migrate::run(args).await,
        Command::Up(args) => match &args.stack {
            StackTarget::Cloud(stack) => up::run(stack, args.cloud, args.json).await,
            StackTarget::Local => local::up(args).await,
        },
        Command::Down(args) => local::down(args),
        Command::Outputs(args) => match &args.target.stack {
            StackTarget::Cloud(stack) => outputs::run(stack, args.json).await,
            StackTarget::Local => local::outputs(args),
        },
        Command::Local(args) => local::local(args).await,
        Command::Bootstrap(args) => bootstrap::run(args).await,
        Command::Build(args) => build::run(args).await,
        Command::Preview(args) => preview::run(args).await,
        Command::Promote(args) => promote::run(args).await,
        Command::Rollback(args) => rollback::run(args).await,
        Command::Status(args) => status::run(args).await,
        Command::Destroy(args) => destroy::run(args).await,
        Command::Reap(args) => reap::run(args).await,
        Command::Drift(args) => drift::run(args).await,
        Command::Rehearse(args) => rehearse::run(args).await,
        Command::Secrets(args) => secrets::run(args).await,
        Command::Graph(args) => graph::run(args).await,
    }
}
