//! The `sync-worker` binary: the SQS-triggered Lambda of the `snippet-sync` queue (when
//! `AWS_LAMBDA_RUNTIME_API` is set), otherwise a local process long-polling `SYNC_QUEUE_URL`.

use anyhow::Context;
use clap::Parser;
use code_remote_config::{Env, SyncWorkerSettings};
use code_remote_queue::{serve, ConsumerOptions, LocalQueue};
use code_remote_store::Store;
use code_remote_sync::SyncWorker;
use std::time::Duration;

/// Keeps the search backend in step with PostgreSQL.
///
/// Environment: what [`SyncWorkerSettings`] reads (`Function::SyncWorker.variables()`), plus
/// AWS_ENDPOINT_URL for emulators and RUST_LOG.
#[derive(Parser)]
#[command(name = "sync-worker", version)]
struct Args {
    /// Seconds one receive waits for messages in local mode (1..=20).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=20))]
    wait_seconds: u64,
    /// Events handled at once in local mode (1..=64).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=64))]
    slots: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = std::time::Instant::now();
    code_remote_config::init_json_logs();
    let settings = SyncWorkerSettings::load(&Env::process())?;
    let search = settings.search;

    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    // The Gemini secret, the database secret and the backend's first query: the first is
    // independent of the others, so a cold start waits for the slower path only.
    let storage = async {
        let store = Store::connect(&settings.database, &aws)
            .await
            .context("configuring the database pool")?;
        let backend = code_remote_wiring::backend(&search, store.pool().clone(), &aws)
            .await
            .context("connecting the search backend")?;
        Ok::<_, anyhow::Error>((store, backend))
    };
    let (providers, storage) = tokio::join!(
        code_remote_wiring::providers(&settings.analysis, &aws),
        storage
    );
    let providers = providers?.providers;
    let (store, backend) = storage?;
    let worker = SyncWorker::new(
        store.clone(),
        providers.analyzer,
        providers.embedder,
        backend,
    );
    tracing::info!(backend = search.backend.as_str(), "sync worker starting");
    let local = settings.queue.as_ref().map(|queue| LocalQueue {
        address: &queue.sync_queue,
        variable: code_remote_config::vars::SYNC_QUEUE_URL,
        options: ConsumerOptions {
            slots: usize::try_from(args.slots).unwrap_or(1),
            wait: Duration::from_secs(args.wait_seconds),
        },
    });
    serve(
        worker,
        local,
        || aws_sdk_sqs::Client::new(&aws),
        store.pool(),
        started,
    )
    .await?;
    Ok(())
}
