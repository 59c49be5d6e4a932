//! The five Lambdas (`api`, `ws`, `worker`, `sync-worker`, `migrate`): provided.al2023 on arm64,
//! code from the release's zip, each with its own least-privilege role, a log group with
//! retention, X-Ray tracing, a published version and a `live` alias that every trigger targets.

use crate::components::database::{Database, DATABASE_NAME};
use crate::components::messaging::{Messaging, Queue};
use crate::components::network::Network;
use crate::components::secrets::Secrets;
use crate::components::websocket::WsApi;
use crate::components::Context;
use crate::error::InfraError;
use crate::iam::{assume_role, PolicyDocument, Statement, ALLOWED_MANAGED_POLICIES};
use crate::model::{concat, list, map, Program, Ref, Resource, ResourceRef, Value};

/// The alias that API Gateway and event sources invoke; `deploy` moves it between versions.
pub const LIVE_ALIAS: &str = "live";
/// The execution worker's timeout in seconds (sizes the execution queue's visibility).
pub const WORKER_TIMEOUT: u32 = 60;
/// The sync worker's timeout in seconds (sizes the sync queue's visibility).
pub const SYNC_WORKER_TIMEOUT: u32 = 120;

/// Where `deploy build` writes a release's Lambda zips, relative to `infra/` (Pulumi's working
/// directory when it runs the program).
pub fn artifact_path(release: &str, function: &str) -> String {
    format!("../target/release-artifacts/{release}/{function}.zip")
}

/// One deployed function.
#[derive(Debug, Clone)]
pub struct Function {
    /// The function id (`sync-worker`), also the zip's name.
    pub id: &'static str,
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
}

struct Spec {
    id: &'static str,
    logical: &'static str,
    memory_mb: u32,
    timeout: u32,
    reserved_concurrency: Option<u32>,
    env: Vec<(&'static str, Value)>,
    statements: Vec<Statement>,
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

fn specs(ctx: &Context<'_>, deps: &Dependencies<'_>) -> [Spec; 5] {
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
    let common = || {
        vec![
            ("SEARCH_BACKEND", Value::from(backend)),
            ("DATABASE_SECRET_ARN", db_secret.clone()),
            (
                "DATABASE_HOST",
                deps.database.cluster.out("endpoint").into(),
            ),
            ("DATABASE_NAME", Value::from(DATABASE_NAME)),
            ("STACK", Value::from(cfg.stack.clone())),
        ]
    };
    let cognito = || {
        vec![
            ("COGNITO_USER_POOL_ID", deps.auth.pool.id().into()),
            ("COGNITO_CLIENT_ID", deps.auth.client.id().into()),
            ("COGNITO_ISSUER", deps.auth.issuer.clone()),
            (
                "COGNITO_JWKS_URL",
                concat([
                    deps.auth.issuer.clone(),
                    Value::from("/.well-known/jwks.json"),
                ]),
            ),
        ]
    };
    let models = || {
        vec![
            ("GEMINI_API_KEY_SECRET_ARN", gemini.clone()),
            ("NEO4J_SECRET_ARN", neo4j.clone()),
            ("ANALYSIS_MODEL", Value::from(cfg.llm.analysis.clone())),
            ("EMBEDDING_MODEL", Value::from(cfg.llm.embedding.clone())),
            (
                "EMBEDDING_DIMENSIONS",
                Value::from(cfg.embedding_dimensions.to_string()),
            ),
        ]
    };
    let q = deps.messaging;
    let mut api_env = common();
    api_env.extend(cognito());
    api_env.extend(models());
    api_env.push(("EXECUTION_QUEUE_URL", q.execution.queue.out("url").into()));
    api_env.push(("SYNC_QUEUE_URL", q.sync.queue.out("url").into()));
    let mut ws_env = common();
    ws_env.extend(cognito());
    let mut worker_env = common();
    worker_env.push((
        "WEBSOCKET_MANAGEMENT_URL",
        deps.ws_api.management_url.clone(),
    ));
    let mut sync_env = common();
    sync_env.extend(models());
    let mut migrate_env = common();
    migrate_env.push(("NEO4J_SECRET_ARN", neo4j.clone()));
    // The Neo4j vector index is created with the stack's embedding dimension.
    migrate_env.push((
        "EMBEDDING_DIMENSIONS",
        Value::from(cfg.embedding_dimensions.to_string()),
    ));
    [
        Spec {
            id: "api",
            logical: "api",
            memory_mb: 512,
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
            ],
        },
        Spec {
            id: "ws",
            logical: "ws",
            memory_mb: 256,
            timeout: 10,
            reserved_concurrency: None,
            env: ws_env,
            statements: vec![read_secrets(vec![db_secret.clone()])],
        },
        Spec {
            id: "worker",
            logical: "worker",
            memory_mb: 1024,
            timeout: WORKER_TIMEOUT,
            reserved_concurrency: Some(cfg.worker_reserved_concurrency),
            env: worker_env,
            statements: vec![
                consume(&q.execution),
                read_secrets(vec![db_secret.clone()]),
                Statement::allow(
                    &["execute-api:ManageConnections"],
                    vec![deps.ws_api.connections_arn.clone()],
                ),
            ],
        },
        Spec {
            id: "sync-worker",
            logical: "syncWorker",
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
            id: "migrate",
            logical: "migrate",
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
    network: &Network,
    spec: Spec,
) -> Result<Function, InfraError> {
    let n = &ctx.naming;
    let name = n.name(spec.id);
    let l = spec.logical;
    let log_group = program.add(
        Resource::new(&format!("{l}Logs"), "aws:cloudwatch/logGroup:LogGroup")
            .prop("name", format!("/aws/lambda/{name}"))
            .prop("retentionInDays", ctx.config.log_retention_days)
            .prop("tags", n.tags(spec.id)),
    )?;
    let role = program.add(
        Resource::new(&format!("{l}Role"), "aws:iam/role:Role")
            .prop("name", name.clone())
            .prop("assumeRolePolicy", assume_role("lambda.amazonaws.com"))
            .prop("tags", n.tags(spec.id)),
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
    let env = map(spec.env);
    let mut function = Resource::new(l, "aws:lambda/function:Function")
        .prop("name", name)
        .prop("role", role.arn())
        .prop("runtime", "provided.al2023")
        .prop("handler", "bootstrap")
        .prop("architectures", list(["arm64"]))
        .prop(
            "code",
            Value::FileArchive(artifact_path(&ctx.release, spec.id)),
        )
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
                (
                    "subnetIds",
                    Value::List(
                        network
                            .private_subnets
                            .iter()
                            .map(|s| s.id().into())
                            .collect(),
                    ),
                ),
                ("securityGroupIds", list([network.lambda_sg.id()])),
            ]),
        )
        .prop("environment", map([("variables", env)]))
        .prop_opt("reservedConcurrentExecutions", spec.reserved_concurrency)
        .prop("tags", n.tags(spec.id))
        .depends_on(&log_group)
        .depends_on(&policy);
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
        id: spec.id,
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
) -> Result<(), InfraError> {
    program.add(
        Resource::new(logical, "aws:lambda/eventSourceMapping:EventSourceMapping")
            .prop("eventSourceArn", queue.queue.arn())
            .prop("functionName", function.alias.arn())
            .prop("batchSize", 10)
            .prop("enabled", true)
            .prop("functionResponseTypes", list(["ReportBatchItemFailures"]))
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
    let [api, ws, worker, sync_worker, migrate] = specs(ctx, &deps);
    let functions = Functions {
        api: build_one(program, ctx, deps.network, api)?,
        ws: build_one(program, ctx, deps.network, ws)?,
        worker: build_one(program, ctx, deps.network, worker)?,
        sync_worker: build_one(program, ctx, deps.network, sync_worker)?,
        migrate: build_one(program, ctx, deps.network, migrate)?,
    };
    subscribe(
        program,
        ctx,
        "workerTrigger",
        &deps.messaging.execution,
        &functions.worker,
    )?;
    subscribe(
        program,
        ctx,
        "syncWorkerTrigger",
        &deps.messaging.sync,
        &functions.sync_worker,
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
