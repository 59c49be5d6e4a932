//! The `api` binary: the HTTP API through Lambda (when `AWS_LAMBDA_RUNTIME_API` is set), otherwise
//! a plain server on `--listen` that also serves the local WebSocket and Management API.
//!
//! Environment: what [`code_remote_config::ApiSettings`] reads (`Function::Api.variables()`),
//! plus `AWS_ENDPOINT_URL` for emulators and `RUST_LOG`.

use anyhow::Context;
use clap::Parser;
use code_remote_api::{
    load_services, local_management_url, router, with_frontend, AppState, LazySandbox,
};
use code_remote_auth::Verifier;
use code_remote_config::{ApiSettings, Env};
use code_remote_queue::{ExecutionQueue, Queue};
use code_remote_sandbox::SandboxConfig;
use code_remote_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;

/// Serves the Code Remote HTTP API.
#[derive(Parser)]
struct Args {
    /// Address to listen on outside Lambda (overrides LISTEN_ADDR).
    #[arg(long)]
    listen: Option<SocketAddr>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = std::time::Instant::now();
    code_remote_config::init_json_logs();
    let settings = ApiSettings::load(&Env::process())?;
    let lambda = settings.lambda;
    let http = &settings.http;

    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = Store::connect(&settings.database, &aws)
        .await
        .context("configuring the database pool")?;
    let verifier = Arc::new(Verifier::new(&settings.cognito, reqwest::Client::new()));
    let queue = Queue::open(
        &settings.queue.execution_queue,
        || aws_sdk_sqs::Client::new(&aws),
        store.pool(),
    )
    .await
    .map(ExecutionQueue::new)
    .context(code_remote_config::vars::EXECUTION_QUEUE_URL)?;
    let sandbox_config = SandboxConfig::with_overrides(
        settings.sandbox.python.clone(),
        settings.sandbox.file_confinement.as_deref(),
    )
    .context(code_remote_config::vars::SANDBOX_FILE_CONFINEMENT)?;
    let gateway_key = if lambda {
        None
    } else {
        Some(
            code_remote_api::gateway::stack_access_key_id(&aws)
                .await
                .context("the local WebSocket gateway needs AWS credentials (AWS_ACCESS_KEY_ID): its Management API accepts requests signed with them only")?,
        )
    };
    let local_management =
        (!lambda).then(|| local_management_url(args.listen.unwrap_or(http.listen)));
    let services = load_services(&settings, &aws, &store, local_management)
        .await
        .context("configuring analysis and search")?;
    let mut state = AppState::builder(store, verifier, queue)
        .sandbox(LazySandbox::new(sandbox_config))
        .cors(http.cors_origins.clone())
        .services(services);
    if let Some(key) = &gateway_key {
        state = state.local_gateway(key);
    }
    let state = state.build();
    let app = match (&http.frontend_dir, lambda) {
        (Some(dir), false) => with_frontend(router(state), dir),
        _ => router(state),
    };

    if lambda {
        code_remote_config::log_ready(started);
        return lambda_http::run(app)
            .await
            .map_err(|err| anyhow::anyhow!("lambda runtime stopped: {err}"));
    }
    let listen = args.listen.unwrap_or(http.listen);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    tracing::info!(address = %listener.local_addr()?, "api listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving HTTP")
}
