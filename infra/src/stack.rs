//! Composes the components into the whole stack and declares the stack outputs `deploy` reads.

use crate::components::{
    account, artifacts, auth, database, frontend, functions, http_api, messaging, network,
    observability, secrets, websocket, Context,
};
use crate::config::StackConfig;
use crate::error::InfraError;
use crate::model::{Program, Value};

/// Builds the program of one stack for one release.
pub fn build(config: &StackConfig, release: &str) -> Result<Program, InfraError> {
    let ctx = Context::new(config, release);
    let mut program = Program::new(&config.stack);
    let account = account::build(&mut program, &ctx.naming, None)?;
    let net = network::build(&mut program, &ctx)?;
    let secrets = secrets::build(&mut program, &ctx)?;
    let database = database::build(&mut program, &ctx, &net)?;
    let messaging = messaging::build(
        &mut program,
        &ctx,
        messaging::ConsumerTimeouts {
            worker_seconds: functions::WORKER_TIMEOUT,
            sync_worker_seconds: functions::SYNC_WORKER_TIMEOUT,
        },
    )?;
    let frontend = frontend::build(&mut program, &ctx)?;
    let auth = auth::build(&mut program, &ctx, &frontend.url)?;
    let artifacts = artifacts::build(&mut program, &ctx)?;
    let ws_api = websocket::api(&mut program, &ctx)?;
    let fns = functions::build(
        &mut program,
        &ctx,
        functions::Dependencies {
            network: &net,
            database: &database,
            secrets: &secrets,
            messaging: &messaging,
            auth: &auth,
            ws_api: &ws_api,
            artifacts: &artifacts,
            boundary: &account.boundary,
        },
    )?;
    let ws_stage = websocket::attach(&mut program, &ctx, &ws_api, &fns.ws, &account)?;
    let mut origins = vec![frontend.url.clone()];
    if let Some(domain) = &config.domain {
        origins.push(Value::from(format!("https://{domain}")));
    }
    if !ctx.is_prod() {
        origins.push(Value::from("http://localhost:5173"));
    }
    let http = http_api::build(&mut program, &ctx, &fns.api, &auth, origins, &account)?;
    observability::build(&mut program, &ctx, &messaging, &fns, &http)?;

    program.output("apiUrl", http.api.out("apiEndpoint"));
    program.output("websocketUrl", ws_stage.stage.out("invokeUrl"));
    program.output("websocketManagementUrl", ws_api.management_url.clone());
    program.output("userPoolId", auth.pool.id());
    program.output("userPoolClientId", auth.client.id());
    program.output("cognitoIssuer", auth.issuer.clone());
    program.output("frontendBucket", frontend.bucket.id());
    program.output("distributionId", frontend.distribution.id());
    program.output("frontendUrl", frontend.url.clone());
    program.output("artifactsBucket", artifacts.bucket.id());
    program.output("executionQueueUrl", messaging.execution.queue.out("url"));
    program.output("syncQueueUrl", messaging.sync.queue.out("url"));
    program.output("databaseSecretArn", database.secret_arn.clone());
    program.output("databaseEndpoint", database.cluster.out("endpoint"));
    program.output("neo4jSecretArn", secrets.neo4j.arn());
    program.output("geminiSecretArn", secrets.gemini.arn());
    // `deploy up` refuses to move traffic to a Neo4j stack whose Neo4j secret is empty.
    program.output(
        "searchBackend",
        if config.neo4j_enabled {
            "neo4j"
        } else {
            "postgres"
        },
    );
    for f in fns.all() {
        let key = f.kind.output_key();
        program.output(&format!("{key}FunctionName"), f.function.out("name"));
        program.output(&format!("{key}LiveAliasArn"), f.alias.arn());
    }
    Ok(program)
}
