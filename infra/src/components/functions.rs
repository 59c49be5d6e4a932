//! The five Lambdas of the stack contract (`code_remote_config::Function`): arm64, code from the
//! release's zip, each with its own least-privilege role, a log group with retention, X-Ray
//! tracing, a published version and a `live` alias that every trigger targets. The functions
//! that run Python (the sandbox) use Lambda's managed Python runtime with an exec wrapper that
//! starts the Rust bootstrap; the others run on `provided.al2023` (docs/architecture.md, "Python
//! in the worker Lambda"). Each environment uses the contract's variable names only.

use crate::components::database::{Database, DATABASE_NAME};
use crate::components::messaging::{Messaging, Queue};
use crate::components::network::Network;
use crate::components::secrets::Secrets;
use crate::components::websocket::WsApi;
use crate::components::Context;
use crate::config::EmbedderChoice;
use crate::error::InfraError;
use crate::iam::{assume_role, PolicyDocument, Statement, ALLOWED_MANAGED_POLICIES};
use crate::model::{concat, list, map, Program, Ref, Resource, ResourceRef, Value};
use code_remote_config::contract::{embedding_model, lambda_python};
use code_remote_config::vars;
use code_remote_config::Function as FunctionKind;

/// The alias that API Gateway and event sources invoke; `deploy` moves it between versions.
pub const LIVE_ALIAS: &str = "live";
/// The execution worker's timeout in seconds (sizes the execution queue's visibility).
pub const WORKER_TIMEOUT: u32 = 60;
/// The sync worker's timeout in seconds (sizes the sync queue's visibility).
pub const SYNC_WORKER_TIMEOUT: u32 = 120;

/// Where `deploy build` writes a release's Lambda zips, relative to `infra/` (Pulumi's working
/// directory when it runs the program); Pulumi uploads them to the artifacts bucket.
pub fn artifact_path(release: &str, function: &str) -> String {
    format!("../target/release-artifacts/{release}/{function}.zip")
}

/// One deployed function.
#[derive(Debug, Clone)]
pub struct Function {
    /// The function id (`sync-worker`), also the zip's name.
    pub id: &'static str,
    /// Which function of the contract this is.
    pub kind: FunctionKind,
    /// The Lambda function.
    pub function: ResourceRef,
    /// Its `live` alias.
    pub alias: ResourceRef,
    /// Its log group.
    pub log_group: ResourceRef,
}

/// All five functions.
#[derive(Debug, Clone)]
pub struct Functions {
    /// The HTTP API handler.
    pub api: Function,
    /// The WebSocket handler.
    pub ws: Function,
    /// The execution worker (SQS `execution`).
    pub worker: Function,
    /// The snippet sync worker (SQS `snippet-sync`).
    pub sync_worker: Function,
    /// The migration runner, invoked by `deploy`.
    pub migrate: Function,
}

impl Functions {
    /// The functions in a fixed order.
    pub fn all(&self) -> [&Function; 5] {
        [
            &self.api,
            &self.ws,
            &self.worker,
            &self.sync_worker,
            &self.migrate,
        ]
    }
}

/// What the functions are wired to.
#[derive(Debug, Clone, Copy)]
pub struct Dependencies<'a> {
    /// Subnets and security group.
    pub network: &'a Network,
    /// Database endpoint and secret.
    pub database: &'a Database,
    /// Application secrets.
    pub secrets: &'a Secrets,
    /// Queues.
    pub messaging: &'a Messaging,
    /// Cognito pool id, client id and issuer.
    pub auth: &'a crate::components::auth::Auth,
    /// The WebSocket API (for the management endpoint).
    pub ws_api: &'a WsApi,
    /// The artifacts bucket the code is uploaded through.
    pub artifacts: &'a crate::components::artifacts::Artifacts,
    /// The permissions boundary every role carries.
    pub boundary: &'a Value,
}

struct Spec {
    kind: FunctionKind,
    memory_mb: u32,
    timeout: u32,
    reserved_concurrency: Option<u32>,
    env: Vec<(&'static str, Value)>,
    statements: Vec<Statement>,
    layers: Vec<Value>,
}

fn read_secrets(arns: Vec<Value>) -> Statement {
    Statement::allow(
        &[
            "secretsmanager:GetSecretValue",
            "secretsmanager:DescribeSecret",
        ],
        arns,
    )
}

fn consume(queue: &Queue) -> Statement {
    Statement::allow(
        &[
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:GetQueueAttributes",
        ],
        vec![queue.queue.arn().into()],
    )
}

/// The offline embedding model's layer, for a stack whose `embedder` is `minilm`: the release's
/// `layers/embedding-model.zip`, uploaded through the artifacts bucket (90 MB is over the 50 MB
/// of a direct upload) and published as a layer version.
fn model_layer(
    program: &mut Program,
    ctx: &Context<'_>,
    deps: &Dependencies<'_>,
) -> Result<ResourceRef, InfraError> {
    let n = &ctx.naming;
    let mut code = Resource::new("embeddingModelCode", "aws:s3/bucketObjectv2:BucketObjectv2")
        .prop("bucket", deps.artifacts.bucket.id())
        .prop(
            "key",
            format!("lambda/{}/{}", ctx.release, embedding_model::LAYER_ARTIFACT),
        )
        .prop(
            "source",
            Value::FileAsset(format!(
                "../target/release-artifacts/{}/{}",
                ctx.release,
                embedding_model::LAYER_ARTIFACT
            )),
        )
        .prop("tags", n.tags("embedding-model"));
    if let Some(versioning) = &deps.artifacts.versioning {
        code = code.depends_on(versioning);
    }
    let code = program.add(code)?;
    program.add(
        Resource::new("embeddingModel", "aws:lambda/layerVersion:LayerVersion")
            .prop("layerName", n.name("embedding-model"))
            .prop(
                "description",
                "all-MiniLM-L6-v2, the offline embedder (docs/search.md)",
            )
            .prop("compatibleArchitectures", list(["arm64"]))
            .prop("s3Bucket", code.out("bucket"))
            .prop("s3Key", code.out("key"))
            .prop("s3ObjectVersion", code.out("versionId"))
            .depends_on(&code),
    )
}

fn specs(ctx: &Context<'_>, deps: &Dependencies<'_>, model: Option<&ResourceRef>) -> [Spec; 5] {
    let cfg = ctx.config;
    let db_secret: Value = deps.database.secret_arn.clone().into();
    let gemini: Value = deps.secrets.gemini.arn().into();
    let neo4j: Value = deps.secrets.neo4j.arn().into();
    let decrypt = Statement::allow(&["kms:Decrypt"], vec![deps.secrets.key.arn().into()]);
    let backend = if cfg.neo4j_enabled {
        "neo4j"
    } else {
        "postgres"
    };
    // No DATABASE_PORT: Aurora PostgreSQL listens on 5432, the runtime's default, and the
    // cluster's `port` output is a number, which a Lambda environment cannot hold.
    let database = || {
        vec![
            (vars::DATABASE_SECRET_ARN, db_secret.clone()),
            (
                vars::DATABASE_HOST,
                deps.database.cluster.out("endpoint").into(),
            ),
            (vars::DATABASE_NAME, Value::from(DATABASE_NAME)),
        ]
    };
    let cognito = || {
        vec![
            (vars::COGNITO_CLIENT_ID, deps.auth.client.id().into()),
            (vars::COGNITO_ISSUER, deps.auth.issuer.clone()),
            (
                vars::COGNITO_JWKS_URL,
                concat([
                    deps.auth.issuer.clone(),
                    Value::from("/.well-known/jwks.json"),
                ]),
            ),
        ]
    };
    // The search backend: the Neo4j secret only where the backend reads it.
    let search = || {
        let mut env = vec![(vars::SEARCH_BACKEND, Value::from(backend))];
        if cfg.neo4j_enabled {
            env.push((vars::NEO4J_SECRET_ARN, neo4j.clone()));
        }
        env
    };
    let models = || {
        vec![
            (vars::GEMINI_API_KEY_SECRET_ARN, gemini.clone()),
            (vars::ANALYSIS_MODEL, Value::from(cfg.llm.analysis.clone())),
            (
                vars::EMBEDDING_MODEL,
                Value::from(cfg.llm.embedding.clone()),
            ),
            (
                vars::EMBEDDING_DIMENSIONS,
                Value::from(cfg.embedding_dimensions.to_string()),
            ),
        ]
    };
    // The offline embedder, from its layer, where the stack chose it.
    let embedding = || match model {
        Some(layer) => (
            vec![(
                vars::OFFLINE_EMBEDDING_MODEL_DIR,
                Value::from(embedding_model::LAMBDA_DIR),
            )],
            vec![Value::from(layer.arn())],
        ),
        None => (Vec::new(), Vec::new()),
    };
    let push = || {
        vec![(
            vars::WEBSOCKET_MANAGEMENT_URL,
            deps.ws_api.management_url.clone(),
        )]
    };
    let python = || {
        vec![
            (
                vars::AWS_LAMBDA_EXEC_WRAPPER,
                Value::from(lambda_python::EXEC_WRAPPER),
            ),
            (
                vars::SANDBOX_PYTHON,
                Value::from(lambda_python::INTERPRETER),
            ),
        ]
    };
    let manage_connections = || {
        Statement::allow(
            &["execute-api:ManageConnections"],
            vec![deps.ws_api.connections_arn.clone()],
        )
    };
    let q = deps.messaging;
    let mut api_env = database();
    api_env.extend(cognito());
    api_env.extend(search());
    api_env.extend(models());
    let (model_env, api_layers) = embedding();
    api_env.extend(model_env);
    api_env.extend(push());
    api_env.extend(python());
    api_env.push((
        vars::EXECUTION_QUEUE_URL,
        q.execution.queue.out("url").into(),
    ));
    api_env.push((vars::SYNC_QUEUE_URL, q.sync.queue.out("url").into()));
    let mut ws_env = database();
    ws_env.extend(cognito());
    ws_env.extend(push());
    let mut worker_env = database();
    worker_env.extend(push());
    worker_env.extend(python());
    let mut sync_env = database();
    sync_env.extend(search());
    sync_env.extend(models());
    let (model_env, sync_layers) = embedding();
    sync_env.extend(model_env);
    let mut migrate_env = database();
    migrate_env.push((vars::SEARCH_BACKEND, Value::from(backend)));
    migrate_env.push((vars::NEO4J_SECRET_ARN, neo4j.clone()));
    // The Neo4j vector index is created with the stack's embedding dimension.
    migrate_env.push((
        vars::EMBEDDING_DIMENSIONS,
        Value::from(cfg.embedding_dimensions.to_string()),
    ));
    [
        Spec {
            kind: FunctionKind::Api,
            layers: api_layers,
            memory_mb: 1024,
            timeout: 29,
            reserved_concurrency: None,
            env: api_env,
            statements: vec![
                Statement::allow(
                    &["sqs:SendMessage"],
                    vec![q.execution.queue.arn().into(), q.sync.queue.arn().into()],
                ),
                read_secrets(vec![db_secret.clone(), gemini.clone(), neo4j.clone()]),
                decrypt.clone(),
                // `/analyze/async` streams its chunks to the caller's WebSocket connection.
                manage_connections(),
            ],
        },
        Spec {
            kind: FunctionKind::Ws,
            layers: Vec::new(),
            memory_mb: 256,
            timeout: 10,
            reserved_concurrency: None,
            env: ws_env,
            statements: vec![
                read_secrets(vec![db_secret.clone()]),
                // `$default` answers `ping` with a `pong` pushed back to the connection.
                manage_connections(),
            ],
        },
        Spec {
            kind: FunctionKind::Worker,
            layers: Vec::new(),
            memory_mb: 1024,
            timeout: WORKER_TIMEOUT,
            reserved_concurrency: Some(cfg.worker_reserved_concurrency),
            env: worker_env,
            statements: vec![
                consume(&q.execution),
                read_secrets(vec![db_secret.clone()]),
                manage_connections(),
            ],
        },
        Spec {
            kind: FunctionKind::SyncWorker,
            layers: sync_layers,
            memory_mb: 1024,
            timeout: SYNC_WORKER_TIMEOUT,
            reserved_concurrency: None,
            env: sync_env,
            statements: vec![
                consume(&q.sync),
                read_secrets(vec![db_secret.clone(), gemini, neo4j.clone()]),
                decrypt.clone(),
            ],
        },
        Spec {
            kind: FunctionKind::Migrate,
            layers: Vec::new(),
            memory_mb: 512,
            timeout: 300,
            reserved_concurrency: Some(1),
            env: migrate_env,
            statements: vec![read_secrets(vec![db_secret, neo4j]), decrypt],
        },
    ]
}

fn build_one(
    program: &mut Program,
    ctx: &Context<'_>,
    deps: &Dependencies<'_>,
    spec: Spec,
) -> Result<Function, InfraError> {
    let network = deps.network;
    let n = &ctx.naming;
    let id = spec.kind.id();
    let name = n.name(id);
    let l = spec.kind.output_key();
    let log_group = program.add(
        Resource::new(&format!("{l}Logs"), "aws:cloudwatch/logGroup:LogGroup")
            .prop("name", format!("/aws/lambda/{name}"))
            .prop("retentionInDays", ctx.config.log_retention_days)
            .prop("tags", n.tags(id)),
    )?;
    let role = program.add(
        Resource::new(&format!("{l}Role"), "aws:iam/role:Role")
            .prop("name", name.clone())
            .prop("assumeRolePolicy", assume_role("lambda.amazonaws.com"))
            .prop("permissionsBoundary", deps.boundary.clone())
            .prop("tags", n.tags(id)),
    )?;
    let mut statements = vec![Statement::allow(
        &["logs:CreateLogStream", "logs:PutLogEvents"],
        vec![concat([Value::Ref(log_group.arn()), Value::from(":*")])],
    )];
    statements.extend(spec.statements);
    let policy = program.add(
        Resource::new(&format!("{l}Policy"), "aws:iam/rolePolicy:RolePolicy")
            .prop("name", name.clone())
            .prop("role", role.id())
            .prop("policy", PolicyDocument { statements }.to_value()),
    )?;
    let mut attachments = Vec::new();
    for (i, arn) in ALLOWED_MANAGED_POLICIES.iter().enumerate() {
        attachments.push(
            program.add(
                Resource::new(
                    &format!("{l}Managed{i}"),
                    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                )
                .prop("role", role.id())
                .prop("policyArn", *arn),
            )?,
        );
    }
    // The code goes up through the artifacts bucket: a zip uploaded with the function itself
    // may not exceed 50 MB, one in S3 may be 250 MB unzipped, and a debug-sized binary or a
    // grown dependency tree must not make a deploy fail.
    let mut code = Resource::new(&format!("{l}Code"), "aws:s3/bucketObjectv2:BucketObjectv2")
        .prop("bucket", deps.artifacts.bucket.id())
        .prop("key", format!("lambda/{}/{id}.zip", ctx.release))
        .prop("source", Value::FileAsset(artifact_path(&ctx.release, id)))
        .prop("tags", n.tags(id));
    if let Some(versioning) = &deps.artifacts.versioning {
        code = code.depends_on(versioning);
    }
    let code = program.add(code)?;
    let env = map(spec.env);
    let runtime = if spec.kind.runs_python() {
        lambda_python::RUNTIME
    } else {
        "provided.al2023"
    };
    let mut function = Resource::new(l, "aws:lambda/function:Function")
        .prop("name", name)
        .prop("role", role.arn())
        .prop("runtime", runtime)
        .prop("handler", "bootstrap")
        .prop("architectures", list(["arm64"]))
        .prop("s3Bucket", code.out("bucket"))
        .prop("s3Key", code.out("key"))
        .prop("s3ObjectVersion", code.out("versionId"))
        .prop("memorySize", spec.memory_mb)
        .prop("timeout", spec.timeout)
        .prop("publish", true)
        .prop("tracingConfig", map([("mode", "Active")]))
        .prop(
            "loggingConfig",
            map([
                ("logFormat", Value::from("JSON")),
                ("logGroup", log_group.out("name").into()),
            ]),
        )
        .prop(
            "vpcConfig",
            map([
                ("subnetIds", network.private_subnet_ids()),
                ("securityGroupIds", list([network.lambda_sg.id()])),
            ]),
        )
        .prop("environment", map([("variables", env)]))
        .prop_opt(
            "layers",
            (!spec.layers.is_empty()).then(|| Value::List(spec.layers.clone())),
        )
        .prop_opt("reservedConcurrentExecutions", spec.reserved_concurrency)
        .prop("tags", n.tags(id))
        .depends_on(&log_group)
        .depends_on(&policy)
        .depends_on(&code);
    for attachment in &attachments {
        function = function.depends_on(attachment);
    }
    let function = program.add(function)?;
    let alias = program.add(
        Resource::new(&format!("{l}Live"), "aws:lambda/alias:Alias")
            .prop("name", LIVE_ALIAS)
            .prop(
                "description",
                "the version serving traffic; moved by deploy after migrations",
            )
            .prop("functionName", function.out("name"))
            .prop("functionVersion", function.out("version"))
            .ignore_changes("functionVersion"),
    )?;
    Ok(Function {
        id,
        kind: spec.kind,
        function,
        alias,
        log_group,
    })
}

fn subscribe(
    program: &mut Program,
    ctx: &Context<'_>,
    logical: &str,
    queue: &Queue,
    function: &Function,
    reserved_concurrency: Option<u32>,
) -> Result<(), InfraError> {
    // SQS polls with at most as many concurrent invocations as the function may have, so a
    // reserved function is never throttled into retries (the mapping's minimum is 2).
    let scaling = reserved_concurrency
        .filter(|reserved| *reserved >= 2)
        .map(|reserved| map([("maximumConcurrency", reserved.min(1000))]));
    program.add(
        Resource::new(logical, "aws:lambda/eventSourceMapping:EventSourceMapping")
            .prop("eventSourceArn", queue.queue.arn())
            .prop("functionName", function.alias.arn())
            .prop("batchSize", 10)
            // Created disabled and enabled by `deploy up` once migrations ran and the aliases
            // moved: on a first deploy the alias starts at Pulumi's version, and a worker must
            // not consume jobs against a database that is not migrated yet. From then on
            // `enabled` belongs to `deploy`, not to Pulumi.
            .prop("enabled", false)
            .ignore_changes("enabled")
            .prop("functionResponseTypes", list(["ReportBatchItemFailures"]))
            .prop_opt("scalingConfig", scaling)
            .prop("tags", ctx.naming.tags(&format!("{}-trigger", function.id))),
    )?;
    Ok(())
}

/// Declares the five functions and the SQS event source mappings of the two workers.
pub fn build(
    program: &mut Program,
    ctx: &Context<'_>,
    deps: Dependencies<'_>,
) -> Result<Functions, InfraError> {
    let model = match ctx.config.embedder {
        EmbedderChoice::Minilm => Some(model_layer(program, ctx, &deps)?),
        EmbedderChoice::Gemini => None,
    };
    let [api, ws, worker, sync_worker, migrate] = specs(ctx, &deps, model.as_ref());
    let functions = Functions {
        api: build_one(program, ctx, &deps, api)?,
        ws: build_one(program, ctx, &deps, ws)?,
        worker: build_one(program, ctx, &deps, worker)?,
        sync_worker: build_one(program, ctx, &deps, sync_worker)?,
        migrate: build_one(program, ctx, &deps, migrate)?,
    };
    subscribe(
        program,
        ctx,
        "workerTrigger",
        &deps.messaging.execution,
        &functions.worker,
        Some(ctx.config.worker_reserved_concurrency),
    )?;
    subscribe(
        program,
        ctx,
        "syncWorkerTrigger",
        &deps.messaging.sync,
        &functions.sync_worker,
        None,
    )?;
    Ok(functions)
}

/// Lets API Gateway (`source_arn`) invoke the function's `live` alias.
pub fn allow_api_gateway(
    program: &mut Program,
    logical: &str,
    function: &Function,
    execution_arn: Ref,
) -> Result<(), InfraError> {
    program.add(
        Resource::new(logical, "aws:lambda/permission:Permission")
            .prop("action", "lambda:InvokeFunction")
            .prop("function", function.function.out("name"))
            .prop("qualifier", function.alias.out("name"))
            .prop("principal", "apigateway.amazonaws.com")
            .prop(
                "sourceArn",
                concat([Value::Ref(execution_arn), Value::from("/*")]),
            ),
    )?;
    Ok(())
}
