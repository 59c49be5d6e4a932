//! The `migrate` Lambda: validates its configuration at start-up, then answers each invocation
//! with [`code_remote_migrate_fn::handle`] (the request and result are documented there).
//!
//! Environment: what [`code_remote_config::MigrateSettings`] reads (`Function::Migrate.variables()`),
//! plus `AWS_ENDPOINT_URL` for emulators and `RUST_LOG`.

use anyhow::Context;
use code_remote_migrate_fn::{handle, MigrateFunction, Settings};
use code_remote_migrations::remote::MigrateRequest;
use lambda_runtime::{service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    code_remote_config::init_json_logs();
    let settings =
        Settings::load(&code_remote_config::Env::process()).context("the migrate configuration")?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let function = MigrateFunction::new(settings, aws);
    let function = &function;
    code_remote_config::log_ready(started);
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
