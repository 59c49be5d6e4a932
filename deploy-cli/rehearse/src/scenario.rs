//! The rehearsal's script: what each function is asked, in the order a first deploy and its
//! first user would ask it, and what the stack contract says each must answer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use code_remote_config::contract::{embedding_model, lambda_python, verify};
use code_remote_config::{vars, Function};
use code_remote_infra::environment::{map_lambda_paths, resolve_all};
use code_remote_infra::render::{render, Format};
use code_remote_infra::{stack, StackConfig};
use serde_json::{json, Value};

use crate::events;
use crate::lambda::{Emulator, FunctionProcess, Invocation};
use crate::world::World;
use crate::{Options, RehearsalError, Report, Secrets};

/// The WebSocket connection the rehearsal's client holds.
const CONNECTION: &str = "RehearsalConn=";

/// Runs the rehearsal of `options.stack`. `Err` when it cannot be set up; a step that does not
/// go as the contract says is a failed step in the report.
pub async fn rehearse(options: &Options) -> Result<Report, RehearsalError> {
    let started = Instant::now();
    let config = StackConfig::load(&options.stacks_dir, &options.stack)?;
    let program = stack::build(&config, "rehearsal")?;
    let program: Value = serde_json::from_str(&render(&program, Format::Json)?)
        .map_err(|err| RehearsalError::Program(err.to_string()))?;
    for function in Function::ALL {
        if !options.bin_dir.join(function.binary()).is_file() {
            return Err(RehearsalError::BinaryMissing {
                binary: function.binary(),
                package: function.package(),
                dir: options.bin_dir.clone(),
            });
        }
    }
    let scratch = tempfile::Builder::new()
        .prefix("code-remote-rehearsal-")
        .tempdir()
        .map_err(|err| RehearsalError::Setup(format!("creating a scratch directory: {err}")))?;

    unpack_layers(&options.workspace, scratch.path())?;

    let emulators = async {
        let mut emulators = BTreeMap::new();
        for function in Function::ALL {
            let emulator = Emulator::start(&options.cargo_lambda, &options.workspace).await?;
            emulators.insert(function, emulator);
        }
        Ok::<_, RehearsalError>(emulators)
    };
    let (world, emulators) = tokio::join!(
        World::build(&program, &config.region, options.secrets),
        emulators
    );
    let (world, emulators) = (world?, emulators?);

    let mut report = Report {
        stack: options.stack.clone(),
        secrets: options.secrets,
        steps: Vec::new(),
        first_invocation_ms: BTreeMap::new(),
        init_ms: BTreeMap::new(),
        not_rehearsed: vec![
            "IAM, KMS and resource policies (moto does not enforce them)".to_owned(),
            "API Gateway's routing and JWT authorizer, and SQS event source mappings (the \
             rehearsal sends the events they would)"
                .to_owned(),
            "the arm64 zips (the functions run this machine's build of the same source)".to_owned(),
        ],
        wall_ms: 0,
    };
    let rendered = resolve_all(&program, |reference| world.output(reference))
        .map_err(|err| RehearsalError::Program(err.to_string()))?;
    let mut run = Run {
        options,
        config: &config,
        program: &program,
        world: &world,
        emulators: &emulators,
        scratch: scratch.path(),
        report: &mut report,
        pending: BTreeMap::new(),
        processes: BTreeMap::new(),
    };
    for (function, rendered) in rendered {
        run.prepare(function, rendered);
    }
    run.script().await;
    let init: Vec<(String, u64)> = run
        .processes
        .iter()
        .filter_map(|(function, process)| Some((function.id().to_owned(), process.init_ms()?)))
        .collect();
    drop(run);
    report.init_ms.extend(init);
    report.wall_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(report)
}

struct Run<'a> {
    options: &'a Options,
    config: &'a StackConfig,
    program: &'a Value,
    world: &'a World,
    emulators: &'a BTreeMap<Function, Emulator>,
    scratch: &'a Path,
    report: &'a mut Report,
    /// Checked environments of functions not started yet: each starts right before its first
    /// invocation, so that its first invocation measures a cold start and nothing else.
    pending: BTreeMap<Function, BTreeMap<String, String>>,
    processes: BTreeMap<Function, FunctionProcess>,
}

impl Run<'_> {
    /// The environment Lambda gives every function besides the stack's variables, with moto as
    /// the AWS endpoint (the one variable that is the rehearsal's, not Lambda's).
    fn lambda_env(&self, function: Function, task_root: &Path) -> BTreeMap<String, String> {
        let resource = &self.program["resources"][function.output_key()]["properties"];
        let name = resource["name"].as_str().unwrap_or(function.id());
        let memory = resource["memorySize"].as_u64().unwrap_or(128).to_string();
        let emulator = &self.emulators[&function];
        let region = &self.world.region;
        let execution_env = if function.runs_python() {
            format!("AWS_Lambda_{}", lambda_python::RUNTIME)
        } else {
            "AWS_Lambda_provided.al2023".to_owned()
        };
        [
            (vars::AWS_LAMBDA_RUNTIME_API, emulator.runtime_api()),
            ("AWS_LAMBDA_FUNCTION_NAME", "_".to_owned()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "1".to_owned()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory),
            ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}")),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "rehearsal".to_owned()),
            (vars::AWS_REGION, region.clone()),
            ("AWS_DEFAULT_REGION", region.clone()),
            ("AWS_EXECUTION_ENV", execution_env),
            ("LAMBDA_TASK_ROOT", task_root.display().to_string()),
            ("LAMBDA_RUNTIME_DIR", "/var/runtime".to_owned()),
            ("_HANDLER", "bootstrap".to_owned()),
            ("TZ", ":UTC".to_owned()),
            ("LANG", "en_US.UTF-8".to_owned()),
            ("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin".to_owned()),
            ("AWS_ACCESS_KEY_ID", "rehearsal".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "rehearsal".to_owned()),
            ("AWS_SESSION_TOKEN", "rehearsal".to_owned()),
            ("AWS_ENDPOINT_URL", self.world.moto.url().to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Service endpoints in the rendered values that the AWS SDK's endpoint override does not
    /// cover: the stage's Management API and the pool's signing keys.
    fn local_endpoints(&self, env: &mut BTreeMap<String, String>) {
        let cognito = format!("https://cognito-idp.{}.amazonaws.com/", self.world.region);
        for (name, value) in env.iter_mut() {
            if name == vars::COGNITO_JWKS_URL {
                if let Some(rest) = value.strip_prefix(&cognito) {
                    *value = format!("{}/{rest}", self.world.moto.url());
                }
            } else if let Some(rest) = value.strip_prefix("https://") {
                if let Some((host, path)) = rest.split_once('/') {
                    if host.contains(".execute-api.") {
                        *value = format!("{}/{path}", self.world.management_url);
                    }
                }
            }
        }
    }

    /// Checks `function`'s environment against the contract and keeps it for its start.
    fn prepare(&mut self, function: Function, mut stack_env: BTreeMap<String, String>) {
        let task_root = self.scratch.join(function.id());
        self.local_endpoints(&mut stack_env);
        map_lambda_paths(
            &mut stack_env,
            &host_python(),
            &task_root,
            &self.scratch.join(LAYERS_DIR),
        );
        for (broken, variable) in &self.options.unset {
            if *broken == function && stack_env.remove(variable).is_none() {
                self.report.record(
                    Some(function),
                    "--unset names a rendered variable",
                    false,
                    format!("{function} has no {variable} to take out"),
                );
            }
        }
        let lambda_env = self.lambda_env(function, &task_root);
        let contract = verify(function, &stack_env, &lambda_env);
        self.report.record(
            Some(function),
            "environment fits the contract",
            contract.is_ok(),
            match &contract {
                Ok(()) => format!("{} variables", stack_env.len()),
                Err(err) => err.to_string(),
            },
        );
        let mut env = lambda_env;
        env.extend(stack_env);
        self.pending.insert(function, env);
    }

    async fn invoke(&mut self, function: Function, event: &Value) -> Invocation {
        if let Some(env) = self.pending.remove(&function) {
            let started = FunctionProcess::start(
                function,
                &self.options.bin_dir.join(function.binary()),
                &self.scratch.join(function.id()),
                &env,
                self.scratch,
            )
            .await;
            match started {
                Ok(process) => {
                    self.processes.insert(function, process);
                }
                Err(err) => return Invocation::Failed(err.to_string()),
            }
        }
        let Some(process) = self.processes.get_mut(&function) else {
            return Invocation::Failed("not started".to_owned());
        };
        let outcome = process.invoke(&self.emulators[&function], event).await;
        let first = process.first_invocation();
        self.report.timed(function, first);
        outcome
    }

    fn neo4j(&self) -> bool {
        self.config.neo4j_enabled
    }

    async fn script(&mut self) {
        self.migrate().await;
        self.ws_connect_and_ping().await;
        let api_up = self.api().await;
        self.worker(api_up).await;
        self.sync_worker(api_up).await;
        self.ws_disconnect().await;
    }

    /// `upgrade` as `deploy up` sends it before traffic moves.
    async fn migrate(&mut self) {
        let f = Function::Migrate;
        let answer = self.invoke(f, &events::migrate("upgrade")).await;
        let Invocation::Answer(result) = answer else {
            return self.unexpected(f, "upgrade", answer);
        };
        let databases = result["databases"].as_array().cloned().unwrap_or_default();
        let postgres = databases.iter().find(|d| d["database"] == "postgres");
        let postgres_ok = postgres.is_some_and(|d| d["error"].is_null() && !d["head"].is_null());
        let neo4j = databases.iter().find(|d| d["database"] == "neo4j");
        let (ok, detail) = if self.neo4j() {
            // SEARCH_BACKEND=neo4j with the Neo4j secret still empty: the call fails on Neo4j
            // after PostgreSQL, naming the secret to fill.
            let refused = result["status"] == "failed"
                && neo4j.is_some_and(|d| d["error"].as_str().is_some_and(|e| e.contains("secret")));
            (
                postgres_ok && refused,
                format!(
                    "postgres at {}; neo4j refused as expected with an empty secret: {}",
                    postgres.map(|d| d["head"].to_string()).unwrap_or_default(),
                    neo4j.map(|d| d["error"].to_string()).unwrap_or_default()
                ),
            )
        } else {
            (
                result["status"] == "ok" && postgres_ok && neo4j.is_none(),
                format!(
                    "status {}, postgres at {}",
                    result["status"],
                    postgres.map(|d| d["head"].to_string()).unwrap_or_default()
                ),
            )
        };
        self.report
            .record(Some(f), "upgrade (deploy up's request)", ok, detail);
    }

    async fn ws_connect_and_ping(&mut self) {
        let f = Function::Ws;
        let region = self.world.region.clone();
        let token = self.world.id_token.clone();
        let connect = events::websocket(
            "websocketApi-rehearsal",
            &region,
            "live",
            "$connect",
            CONNECTION,
            Some(&token),
            None,
        );
        let answer = self.invoke(f, &connect).await;
        match answer {
            Invocation::Answer(a) => self.report.record(
                Some(f),
                "$connect with the user's token",
                a["statusCode"] == 200,
                format!("status {}", a["statusCode"]),
            ),
            other => return self.unexpected(f, "$connect", other),
        }
        let refused = events::websocket(
            "websocketApi-rehearsal",
            &region,
            "live",
            "$connect",
            "Intruder=",
            Some("not-a-token"),
            None,
        );
        match self.invoke(f, &refused).await {
            Invocation::Answer(a) => self.report.record(
                Some(f),
                "$connect with a forged token",
                a["statusCode"] == 401,
                format!("status {}", a["statusCode"]),
            ),
            other => self.unexpected(f, "$connect with a forged token", other),
        }
        let ping = events::websocket(
            "websocketApi-rehearsal",
            &region,
            "live",
            "$default",
            CONNECTION,
            None,
            Some(&json!({"action": "ping"})),
        );
        let answer = self.invoke(f, &ping).await;
        let pong = self
            .pushed()
            .into_iter()
            .any(|(id, frame)| id == CONNECTION && frame["type"] == "pong");
        match answer {
            Invocation::Answer(a) => self.report.record(
                Some(f),
                "$default ping answered through the Management API",
                a["statusCode"] == 200 && pong,
                format!("status {}, pong pushed: {pong}", a["statusCode"]),
            ),
            other => self.unexpected(f, "$default ping", other),
        }
    }

    async fn ws_disconnect(&mut self) {
        let f = Function::Ws;
        let region = self.world.region.clone();
        let event = events::websocket(
            "websocketApi-rehearsal",
            &region,
            "live",
            "$disconnect",
            CONNECTION,
            None,
            None,
        );
        match self.invoke(f, &event).await {
            Invocation::Answer(a) => self.report.record(
                Some(f),
                "$disconnect",
                a["statusCode"] == 200,
                format!("status {}", a["statusCode"]),
            ),
            other => self.unexpected(f, "$disconnect", other),
        }
    }

    async fn http(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        authorized: bool,
    ) -> Result<(u64, Value), String> {
        let token = self.world.id_token.clone();
        let claims = self.world.claims.clone();
        let event = events::http(
            "httpApi-rehearsal",
            &self.world.region,
            method,
            path,
            body,
            authorized.then_some((token.as_str(), &claims)),
        );
        match self.invoke(Function::Api, &event).await {
            Invocation::Answer(answer) => Ok(events::http_answer(&answer)),
            Invocation::Failed(message) | Invocation::Exited(message) => Err(message),
        }
    }

    /// Health, an async run for the WebSocket connection, a saved snippet. `true` when the API
    /// answered at all (the workers' steps need what it queued).
    async fn api(&mut self) -> bool {
        let f = Function::Api;
        let analysis = match self.options.secrets {
            Secrets::Empty => "offline",
            Secrets::Filled => "gemini",
        };
        let search = if self.neo4j() {
            "unavailable"
        } else {
            "postgres"
        };
        match self.http("GET", "/health?deep=1", None, false).await {
            Ok((status, body)) => {
                let checks = &body["checks"];
                self.report.record(
                    Some(f),
                    "GET /health?deep=1",
                    status == 200
                        && checks["database"] == "ok"
                        && checks["analysis"] == analysis
                        && checks["search"] == search,
                    format!("status {status}, checks {checks} (expected analysis {analysis}, search {search})"),
                );
            }
            Err(message) => {
                self.report
                    .record(Some(f), "GET /health?deep=1", false, message);
                return false;
            }
        }
        let run = json!({"code": "print(6 * 7)", "connection_id": CONNECTION});
        match self.http("POST", "/execute/async", Some(&run), true).await {
            Ok((status, body)) => self.report.record(
                Some(f),
                "POST /execute/async (queues a job)",
                status == 202 || status == 200,
                format!("status {status}, {body}"),
            ),
            Err(message) => self
                .report
                .record(Some(f), "POST /execute/async", false, message),
        }
        let unauthorized = self.http("GET", "/snippets", None, false).await;
        self.report.record(
            Some(f),
            "GET /snippets without a token",
            matches!(unauthorized, Ok((401, _))),
            format!("{:?}", unauthorized.map(|(status, _)| status)),
        );
        let snippet = json!({
            "title": "Binary search rehearsal",
            "description": "Looks a value up in a sorted list",
            "code": "def find(xs, x):\n    lo, hi = 0, len(xs)\n    while lo < hi:\n        mid = (lo + hi) // 2\n        if xs[mid] < x:\n            lo = mid + 1\n        else:\n            hi = mid\n    return lo\n",
        });
        match self.http("POST", "/snippets", Some(&snippet), true).await {
            Ok((status, body)) => self.report.record(
                Some(f),
                "POST /snippets (the user's first save)",
                status == 201,
                format!("status {status}, id {}", body["id"]),
            ),
            Err(message) => self
                .report
                .record(Some(f), "POST /snippets", false, message),
        }
        true
    }

    fn pushed(&self) -> Vec<(String, Value)> {
        self.world
            .pushed
            .lock()
            .map(|pushed| pushed.clone())
            .unwrap_or_default()
    }

    /// What an event source mapping would deliver from `queue`: every waiting message, plus
    /// one malformed record that must come back in `batchItemFailures`.
    async fn batch(
        &self,
        queue: &str,
    ) -> Result<(Value, Vec<aws_sdk_sqs::types::Message>, String, String), String> {
        let url = self.world.queue_url(queue).map_err(|err| err.to_string())?;
        let sqs = aws_sdk_sqs::Client::new(&self.world.aws);
        let received = sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
            .send()
            .await
            .map_err(|err| format!("sqs:ReceiveMessage: {err}"))?;
        let messages = received.messages.unwrap_or_default();
        let arn = self
            .world
            .output(&code_remote_infra::environment::Reference {
                resource: queue.to_owned(),
                resource_type: None,
                path: "arn".to_owned(),
            })
            .unwrap_or_default();
        let mut records: Vec<Value> = messages
            .iter()
            .map(|m| events::sqs_record(m, &arn, &self.world.region))
            .collect();
        let (bad_id, bad) = events::malformed_record(&arn, &self.world.region);
        records.push(bad);
        Ok((events::sqs_batch(records), messages, bad_id, url))
    }

    /// Deletes what a handler processed, as the event source mapping does.
    async fn acknowledge(
        &self,
        url: &str,
        messages: &[aws_sdk_sqs::types::Message],
        failed: &[String],
    ) {
        let sqs = aws_sdk_sqs::Client::new(&self.world.aws);
        for message in messages {
            let id = message.message_id.clone().unwrap_or_default();
            if failed.contains(&id) {
                continue;
            }
            if let Some(handle) = &message.receipt_handle {
                let _ = sqs
                    .delete_message()
                    .queue_url(url)
                    .receipt_handle(handle)
                    .send()
                    .await;
            }
        }
    }

    async fn worker(&mut self, api_up: bool) {
        let f = Function::Worker;
        let (event, messages, bad_id, url) = match self.batch("executionQueue").await {
            Ok(batch) => batch,
            Err(message) => return self.report.record(Some(f), "SQS batch", false, message),
        };
        if api_up && messages.is_empty() {
            self.report.record(
                Some(f),
                "the API's job is in the queue",
                false,
                "no message".to_owned(),
            );
        }
        match self.invoke(f, &event).await {
            Invocation::Answer(answer) => {
                let failed = events::batch_failures(&answer);
                let result = self
                    .pushed()
                    .into_iter()
                    .find(|(id, frame)| id == CONNECTION && frame["type"] == "execution_result");
                let stdout = result
                    .as_ref()
                    .map(|(_, frame)| frame["stdout"].as_str().unwrap_or_default().to_owned())
                    .unwrap_or_default();
                self.report.record(
                    Some(f),
                    "SQS batch: the API's job and a malformed record",
                    failed == vec![bad_id.clone()] && (!api_up || stdout.trim() == "42"),
                    format!("batchItemFailures {failed:?} (expected only the malformed one); result pushed: {stdout:?}"),
                );
                self.acknowledge(&url, &messages, &failed).await;
            }
            other => self.unexpected(f, "SQS batch", other),
        }
    }

    async fn sync_worker(&mut self, api_up: bool) {
        let f = Function::SyncWorker;
        let (event, messages, bad_id, url) = match self.batch("syncQueue").await {
            Ok(batch) => batch,
            Err(message) => return self.report.record(Some(f), "SQS batch", false, message),
        };
        let answer = self.invoke(f, &event).await;
        if self.neo4j() {
            // SEARCH_BACKEND=neo4j with an empty secret: the worker stops at start-up naming
            // the command that fills it, which is why `deploy up` refuses such a stack.
            let ok =
                matches!(&answer, Invocation::Exited(log) if log.contains("deploy secrets set"));
            let detail = match answer {
                Invocation::Exited(log) => log.lines().last().unwrap_or_default().to_owned(),
                Invocation::Answer(a) => format!("answered {a} although Neo4j has no credentials"),
                Invocation::Failed(message) => message,
            };
            self.report.not_rehearsed.push(
                "the Neo4j search path with credentials (no Bolt server runs here; issue 20)"
                    .to_owned(),
            );
            return self.report.record(
                Some(f),
                "refuses to start without Neo4j credentials",
                ok,
                detail,
            );
        }
        let Invocation::Answer(answer) = answer else {
            return self.unexpected(f, "SQS batch", answer);
        };
        if self.options.secrets == Secrets::Filled {
            self.report.not_rehearsed.push(
                "analysis and embeddings through Gemini, and search after such a sync (Gemini \
                 is not reachable from here; the event is retried, as in AWS when Gemini fails)"
                    .to_owned(),
            );
        }
        let failed = events::batch_failures(&answer);
        // With the Gemini key filled, analysis would call Gemini, which this machine cannot
        // reach: the snippet's event then fails like the malformed one and is retried.
        let gemini = self.options.secrets == Secrets::Filled;
        let expected_ok = failed.contains(&bad_id) && (gemini || failed.len() == 1);
        self.report.record(
            Some(f),
            "SQS batch: the API's sync event and a malformed record",
            expected_ok && (!api_up || !messages.is_empty()),
            format!(
                "{} events, batchItemFailures {failed:?}",
                messages.len() + 1
            ),
        );
        self.acknowledge(&url, &messages, &failed).await;
        if api_up && !gemini {
            match self
                .http("GET", "/search?q=binary+search+rehearsal", None, true)
                .await
            {
                Ok((status, body)) => {
                    let found = body.to_string().contains("Binary search rehearsal");
                    self.report.record(
                        Some(Function::Api),
                        "GET /search finds the synced snippet",
                        status == 200 && found,
                        format!("status {status}, found {found}"),
                    );
                }
                Err(message) => {
                    self.report
                        .record(Some(Function::Api), "GET /search", false, message)
                }
            }
        }
    }

    fn unexpected(&mut self, function: Function, step: &str, outcome: Invocation) {
        let detail = match outcome {
            Invocation::Answer(answer) => format!("unexpected answer {answer}"),
            Invocation::Failed(message) | Invocation::Exited(message) => message,
        };
        self.report.record(Some(function), step, false, detail);
    }
}

/// The interpreter that stands for the managed runtime's: the one the sandbox uses here.
/// The layers' directory in the scratch directory (Lambda's `/opt`).
const LAYERS_DIR: &str = "opt";

/// The layers as Lambda unpacks them under `/opt`: the embedding model's is the checkout
/// `scripts/setup-model` filled, which `deploy build` packs (docs/search.md). Without it a stack
/// whose `embedder` is `minilm` fails the rehearsal at its functions' start, naming the directory.
fn unpack_layers(workspace: &Path, scratch: &Path) -> Result<(), RehearsalError> {
    let layers = scratch.join(LAYERS_DIR);
    std::fs::create_dir_all(&layers)
        .map_err(|err| RehearsalError::Setup(format!("creating {}: {err}", layers.display())))?;
    let model = workspace.join(embedding_model::CHECKOUT_DIR);
    if model.is_dir() {
        std::os::unix::fs::symlink(&model, layers.join(embedding_model::LAYER_DIR)).map_err(
            |err| RehearsalError::Setup(format!("linking the embedding model layer: {err}")),
        )?;
    }
    Ok(())
}

fn host_python() -> PathBuf {
    let default = PathBuf::from("/usr/bin/python3");
    if default.is_file() {
        return default;
    }
    std::env::var_os("PATH")
        .and_then(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("python3"))
                .find(|candidate| candidate.is_file())
        })
        .unwrap_or(default)
}
