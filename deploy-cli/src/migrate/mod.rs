//! `deploy migrate`: the migration engine on the command line, for PostgreSQL (`--db postgres`,
//! `--database-url`/`DATABASE_URL`) or Neo4j (`--db neo4j`, `--neo4j-uri`/`NEO4J_URI`, ...).
//! `--stack local` takes the database URL from the running local stack; `--stack S` for a cloud
//! stack sends the command to that stack's migrate Lambda ([`remote`]).

mod remote;
mod report;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use code_remote_config::Neo4jCredentials;
use code_remote_migrations::neo4j::{Neo4jBackend, Neo4jSettings, DEFAULT_EMBEDDING_DIMENSION};
use code_remote_migrations::postgres::PostgresBackend;
use code_remote_migrations::{
    scaffold, Backend, Dialect, Direction, History, Migrator, Source, Target,
};

use crate::output::emit;
use crate::target::StackTarget;
pub use remote::{pending, Pending};
use report::{Heads, HistoryList, Line};

/// Which database to migrate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Database {
    /// PostgreSQL (revisions in `migrations/postgres`).
    Postgres,
    /// Neo4j (revisions in `migrations/neo4j`).
    Neo4j,
}

/// Flags of `deploy migrate`.
#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// Which database to migrate.
    #[arg(long, value_enum, default_value = "postgres", global = true)]
    pub db: Database,
    /// PostgreSQL URL.
    #[arg(long, env = code_remote_config::vars::DATABASE_URL, global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Neo4j URI (e.g. neo4j://localhost:7687).
    #[arg(long, env = code_remote_config::vars::NEO4J_URI, global = true)]
    pub neo4j_uri: Option<String>,
    /// Neo4j user.
    #[arg(long, env = code_remote_config::vars::NEO4J_USER, default_value = "neo4j", global = true)]
    pub neo4j_user: String,
    /// Neo4j password.
    #[arg(
        long,
        env = code_remote_config::vars::NEO4J_PASSWORD,
        default_value = "",
        global = true,
        hide_env_values = true
    )]
    pub neo4j_password: String,
    /// Neo4j database (the server's default when unset).
    #[arg(long, env = code_remote_config::vars::NEO4J_DATABASE, global = true)]
    pub neo4j_database: Option<String>,
    /// Embedding dimension of the Neo4j vector index (the stack contract's EMBEDDING_DIMENSIONS).
    #[arg(long, env = code_remote_config::vars::EMBEDDING_DIMENSIONS, default_value_t = DEFAULT_EMBEDDING_DIMENSION, global = true)]
    pub embedding_dimension: u32,
    /// Seconds to wait for another run's migration lock.
    #[arg(long, default_value_t = 60, global = true)]
    pub lock_timeout: u64,
    /// Read revisions from this directory instead of those compiled into this binary.
    #[arg(long, global = true)]
    pub migrations_dir: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Migrate a stack: `local` (the running local stack's database) or a cloud stack (through
    /// its migrate Lambda). Without it, the database given by the flags above.
    #[arg(long, global = true)]
    pub stack: Option<StackTarget>,
    /// Which local stack, with `--stack local`.
    #[arg(long, global = true, default_value = code_remote_local_stack::LocalName::DEFAULT)]
    pub local_stack: code_remote_local_stack::LocalName,
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// The migration commands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Current revision, head, and pending revisions.
    Status,
    /// Apply revisions up to TARGET (default head).
    Upgrade {
        /// `head`, `+N`, or a revision id.
        target: Option<String>,
        /// Print the statements that would run; change nothing.
        #[arg(long)]
        sql: bool,
    },
    /// Undo revisions down to TARGET.
    Downgrade {
        /// `-N`, a revision id, or `base`.
        target: String,
        /// Print the statements that would run; change nothing.
        #[arg(long)]
        sql: bool,
    },
    /// Every revision, base first, with whether it is applied.
    History,
    /// The newest revision(s) of the files; more than one is an error.
    Heads,
    /// The newest applied revision.
    Current,
    /// Revisions not yet applied.
    Pending,
    /// Record REV as the current revision without running anything (adopt an existing schema).
    Stamp {
        /// A revision id, `head` or `base`.
        revision: String,
    },
    /// Check applied revisions against the files (known, in order, checksums equal).
    Validate,
    /// Accept edited applied files and clear half-applied Neo4j revisions.
    Repair,
    /// Write a new revision file chained onto the current head.
    New {
        /// What the revision does, e.g. "add tags".
        name: String,
    },
}

/// Run `deploy migrate`.
pub async fn run(args: MigrateArgs) -> anyhow::Result<()> {
    let dialect = match args.db {
        Database::Postgres => Dialect::Postgres,
        Database::Neo4j => Dialect::Neo4j,
    };
    let source = match &args.migrations_dir {
        Some(dir) => Source::from_dir(dir, dialect)?,
        None => Source::embedded(dialect),
    };
    match &args.action {
        Action::Heads => return emit(&Heads::of(&source.revisions()?), args.json),
        Action::New { name } => {
            let dir = args
                .migrations_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from("migrations").join(dialect_dir(dialect)));
            let path = scaffold::new_revision(&dir, dialect, name)?;
            return emit(&Line::new("created", path.display().to_string()), args.json);
        }
        _ => {}
    }
    let on_local_stack = match &args.stack {
        Some(StackTarget::Cloud(stack)) => return remote::run(&args, stack).await,
        Some(StackTarget::Local) => true,
        None => false,
    };
    let history = History::load(&source)?;
    let wait = Duration::from_secs(args.lock_timeout);
    match args.db {
        Database::Postgres => {
            let url = if on_local_stack {
                code_remote_local_stack::outputs(&args.local_stack)?.database_url
            } else {
                args.database_url
                    .clone()
                    .context("no PostgreSQL URL: pass --database-url or set DATABASE_URL")?
            };
            let backend = PostgresBackend::connect(&url).await?;
            execute(Migrator::new(history, backend).with_lock_wait(wait), &args).await
        }
        Database::Neo4j => {
            let credentials = Neo4jCredentials {
                uri: args
                    .neo4j_uri
                    .clone()
                    .context("no Neo4j URI: pass --neo4j-uri or set NEO4J_URI")?,
                user: args.neo4j_user.clone(),
                password: args.neo4j_password.clone().into(),
                database: args.neo4j_database.clone().filter(|name| !name.is_empty()),
            };
            let settings = Neo4jSettings::with_embedding_dimension(args.embedding_dimension)?;
            let backend = Neo4jBackend::connect(&credentials, settings).await?;
            execute(Migrator::new(history, backend).with_lock_wait(wait), &args).await
        }
    }
}

fn dialect_dir(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => "postgres",
        Dialect::Neo4j => "neo4j",
    }
}

async fn execute<B: Backend>(mut m: Migrator<B>, args: &MigrateArgs) -> anyhow::Result<()> {
    let json = args.json;
    match &args.action {
        Action::Status | Action::Pending => emit(&m.status().await?, json),
        Action::Upgrade { target, sql } => {
            let target = target.as_deref().map_or(Target::Head, Target::parse);
            if *sql {
                emit(&m.plan(&target, Direction::Up).await?, json)
            } else {
                emit(&m.upgrade(&target).await?, json)
            }
        }
        Action::Downgrade { target, sql } => {
            let target = Target::parse(target);
            if *sql {
                emit(&m.plan(&target, Direction::Down).await?, json)
            } else {
                emit(&m.downgrade(&target).await?, json)
            }
        }
        Action::History => emit(&HistoryList(m.history_with_state().await?), json),
        Action::Current => {
            let current = m.current().await?.unwrap_or_else(|| "base".into());
            emit(&Line::new("current", current), json)
        }
        Action::Stamp { revision } => emit(&m.stamp(&Target::parse(revision)).await?, json),
        Action::Validate => {
            let status = m.validate().await?;
            let current = status.current.unwrap_or_else(|| "base".into());
            emit(
                &Line::new(
                    "valid",
                    format!("applied revisions match their files (current: {current})"),
                ),
                json,
            )
        }
        Action::Repair => emit(&m.repair().await?, json),
        Action::Heads | Action::New { .. } => Ok(()),
    }
}
