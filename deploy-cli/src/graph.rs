//! `deploy graph resync`: rebuild the search backend from PostgreSQL, the source of truth.
//!
//! Every snippet goes through the sync worker's own handler (analysed if its code has no current
//! analysis, embedded, upserted), then documents without a snippet are removed. Progress is shown
//! on a TTY; a count is printed at the end. Analysis and embeddings follow the same environment
//! as the sync worker (`GEMINI_API_KEY` / `GEMINI_API_KEY_SECRET_ARN`, `EMBEDDING_DIMENSIONS`).

use std::io::IsTerminal;

use anyhow::Context;
use code_remote_config::{
    AnalysisSettings, Env, Neo4jCredentials, Neo4jSource, SearchBackendName, SearchSettings,
};
use code_remote_local_stack::LocalName;

use crate::target::StackTarget;
use code_remote_store::Store;
use code_remote_sync::{resync, SyncWorker};

/// Flags of `deploy graph`.
#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// What to do with the search graph.
    #[command(subcommand)]
    pub action: GraphAction,
}

/// `deploy graph` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum GraphAction {
    /// Rebuild the search backend from PostgreSQL.
    Resync(ResyncArgs),
}

/// Which backend to rebuild.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendArg {
    /// Tables in the stack's PostgreSQL.
    Postgres,
    /// Neo4j (`NEO4J_URI`, `NEO4J_USER`, `NEO4J_PASSWORD`).
    Neo4j,
}

/// Flags of `deploy graph resync`.
#[derive(Debug, clap::Args)]
pub struct ResyncArgs {
    /// Read the database of this stack (only `local` is supported; use --database-url otherwise).
    #[arg(long, conflicts_with = "database_url")]
    pub stack: Option<StackTarget>,
    /// The local stack's name.
    #[arg(long, default_value = LocalName::DEFAULT)]
    pub name: LocalName,
    /// PostgreSQL URL of the source of truth.
    #[arg(long, env = code_remote_config::vars::DATABASE_URL, hide_env_values = true)]
    pub database_url: Option<String>,
    /// The backend to rebuild (default: SEARCH_BACKEND, else postgres).
    #[arg(long, value_enum)]
    pub search_backend: Option<BackendArg>,
}

/// Run `deploy graph`.
pub async fn run(args: GraphArgs) -> anyhow::Result<()> {
    match args.action {
        GraphAction::Resync(args) => resync_command(args).await,
    }
}

async fn resync_command(args: ResyncArgs) -> anyhow::Result<()> {
    let url = match (&args.stack, &args.database_url) {
        (Some(StackTarget::Local), _) => {
            code_remote_local_stack::outputs(&args.name)
                .with_context(|| format!("reading the outputs of local stack {:?}", args.name.as_str()))?
                .database_url
        }
        (Some(stack), _) => anyhow::bail!(
            "resync reads stack \"{stack}\" only through --database-url (only the local stack's address is known here)"
        ),
        (None, Some(url)) => url.clone(),
        (None, None) => anyhow::bail!("no database: pass --stack local, --database-url or set DATABASE_URL"),
    };
    let env = Env::process();
    let analysis = AnalysisSettings::load(&env)?;
    let mut search = SearchSettings::load(&env)?;
    match args.search_backend {
        Some(BackendArg::Postgres) => {
            search.backend = SearchBackendName::Postgres;
            search.neo4j = None;
        }
        Some(BackendArg::Neo4j) => {
            search.backend = SearchBackendName::Neo4j;
            search.neo4j = Some(Neo4jSource::Credentials(Neo4jCredentials::load(&env)?));
        }
        None => {}
    }
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect(&url)
        .await
        .context("connecting to PostgreSQL")?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = Store::from_pool(pool.clone());
    let providers = code_remote_wiring::providers(&analysis, &aws)
        .await?
        .providers;
    let backend = code_remote_wiring::backend(&search, pool, &aws).await?;
    // Every document is rewritten with this embedder: it must be the stack's (docs/runbook.md).
    eprintln!(
        "re-embedding with {} (from this environment; it must be the stack's embedder)",
        providers.embedder.id()
    );
    let worker = SyncWorker::new(
        store.clone(),
        providers.analyzer,
        providers.embedder,
        backend,
    );

    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} snippets {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let report = resync::run(&store, &worker, |done, total| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    })
    .await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    println!(
        "resynced {} snippets ({} analysed), removed {} stale documents, {} failed",
        report.synced,
        report.analyzed,
        report.removed,
        report.failed.len()
    );
    for (id, reason) in &report.failed {
        eprintln!("failed {id}: {reason}");
    }
    if report.failed.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("{} snippets could not be synced", report.failed.len())
    }
}
