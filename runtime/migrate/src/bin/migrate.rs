//! The `migrate` Lambda: validates its configuration at start-up, then answers each invocation
//! with [`code_remote_migrate_fn::handle`] (the request and result are documented there).
//!
//! Environment: `DATABASE_URL`, or `DATABASE_SECRET_ARN` (the RDS-managed secret) with
//! `DATABASE_HOST`, `DATABASE_NAME` [, `DATABASE_PORT`]; Neo4j from `NEO4J_URI`, `NEO4J_USER`,
//! `NEO4J_PASSWORD`, or `NEO4J_SECRET_ARN` (a secret `{uri, username, password}`);
//! `SEARCH_BACKEND` (`neo4j` makes Neo4j mandatory); `EMBEDDING_DIMENSIONS` (default 768);
//! `AWS_ENDPOINT_URL` for emulators; `RUST_LOG`.

use anyhow::Context;
use code_remote_migrate_fn::{handle, MigrateFunction, Settings};
use code_remote_migrations::remote::MigrateRequest;
use lambda_runtime::{service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    code_remote_config::init_json_logs();
    let settings =
        Settings::load(|name| std::env::var(name).ok()).context("the migrate configuration")?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let function = MigrateFunction::new(settings, aws);
    let function = &function;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<MigrateRequest>| async move {
            handle(function, event.payload)
                .await
                .map_err(lambda_runtime::Error::from)
        },
    ))
    .await
    .map_err(|err| anyhow::anyhow!("lambda runtime stopped: {err}"))
}
