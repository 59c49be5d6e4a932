//! The ephemeral local stack: a complete, throwaway Code Remote on one machine, in seconds.
//!
//! [`up`] starts PostgreSQL (a throwaway cluster), moto (the AWS APIs: SQS FIFO queues with
//! dead-letter queues, a Cognito pool and client, buckets, secrets), applies every migration,
//! starts the runtime's processes (API with its WebSocket and Management API, execution worker,
//! sync worker when built) and seeds a demo user with a few snippets. It stays in the foreground
//! until Ctrl-C, or with `--detach` returns once the stack is healthy; [`down`] stops a stack from
//! another process. Every child dies with its stack, also when the supervisor is SIGKILLed: the
//! children carry a parent-death signal, and the state file lists every pid and directory so that
//! [`down`] and the next [`up`] of the same name reap them. Several stacks run side by side under
//! different names. `deploy` and the end-to-end tests both drive stacks through this crate.
#![deny(missing_docs)]

mod aws;
mod detach;
mod down;
mod error;
mod local_name;
mod migrate;
mod moto;
mod outputs;
mod postgres;
mod procs;
mod queues;
mod seed;
mod services;
mod spawn;
mod state;
mod summary;
mod token;
mod up;
mod web;

pub use down::down;
pub use error::Error;
pub use local_name::LocalName;
pub use outputs::Outputs;
pub use procs::ProcessRecord;
pub use services::services;
pub use spawn::bin_dir;
pub use state::{DemoUser, Phase, StackDir, State};
pub use summary::Summary;
pub use token::token;
pub use up::project_root;

/// Set in the environment of the background copy that `--detach` starts, which then supervises
/// the stack instead of detaching again.
pub const SUPERVISOR_ENV: &str = "CODE_REMOTE_STACK_SUPERVISOR";

/// Where search reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SearchBackend {
    /// PostgreSQL tables (the default without Docker).
    #[default]
    Postgres,
    /// A Neo4j server named by `NEO4J_URI`.
    Neo4j,
}

impl SearchBackend {
    /// The value of `SEARCH_BACKEND`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Neo4j => "neo4j",
        }
    }
}

/// Which engine runs the stack's queues (docs/queues.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum QueueEngine {
    /// Tables and functions in the stack's PostgreSQL database: fast under load.
    #[default]
    Postgres,
    /// moto's SQS: the AWS wire format, slow under load.
    Sqs,
}

impl QueueEngine {
    /// `postgres` or `sqs`, as `deploy outputs` shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Sqs => "sqs",
        }
    }
}

/// The flags of `deploy up --stack local`.
#[derive(Debug, Clone, clap::Args)]
pub struct UpOptions {
    /// The stack's name: its directory and resource names. Stacks with different names run side by side.
    #[arg(long, default_value = LocalName::DEFAULT)]
    pub name: LocalName,
    /// The API's port (default 8000); another free port is used when it is taken.
    #[arg(long)]
    pub port: Option<u16>,
    /// Where search reads from.
    #[arg(long, value_enum, default_value_t)]
    pub search_backend: SearchBackend,
    /// What runs the queues between the API and the workers.
    #[arg(long, value_enum, default_value_t)]
    pub queue: QueueEngine,
    /// Start in the background and return once the stack is healthy (stop it with `deploy down`).
    #[arg(long)]
    pub detach: bool,
}

/// Starts a stack. In the foreground it runs until Ctrl-C and returns `None` once everything is
/// stopped and removed; with `--detach` it returns the ready stack's [`Summary`].
pub async fn up(options: &UpOptions) -> Result<Option<Summary>, Error> {
    let supervising = std::env::var_os(SUPERVISOR_ENV).is_some();
    if options.detach && !supervising {
        return detach::detach(options).await.map(Some);
    }
    up::run(options, supervising).await.map(|()| None)
}

/// The endpoints of the running stack `name`.
pub fn outputs(name: &LocalName) -> Result<Outputs, Error> {
    outputs::read(name)
}
