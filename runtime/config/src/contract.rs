//! The stack contract: which functions a stack runs and, for each, the settings it loads.
//!
//! The infra program, the local stack, `deploy` (build, publish, rehearse) and
//! `scripts/build-stack` all take the function list from [`Function::ALL`], and every
//! environment a stack writes is checked against the settings type of the function it is for
//! (docs/architecture.md, "The stack contract").

use std::collections::BTreeMap;

use crate::{
    in_lambda, vars, AnalysisSettings, CognitoConfig, ConfigError, DatabaseConfig, Env, HttpConfig,
    Neo4jSource, PushConfig, QueueConfig, SandboxSettings, SearchBackendName, SearchSettings,
    SyncQueueConfig,
};

/// The offline embedding model in deployed stacks (docs/search.md): the release packs the files
/// `scripts/setup-model` installed as a Lambda layer, which a stack whose `embedder` is `minilm`
/// attaches to the functions that embed.
pub mod embedding_model {
    /// Where `scripts/setup-model` installs the model, relative to the workspace.
    pub const CHECKOUT_DIR: &str = ".models/all-MiniLM-L6-v2";
    /// The model's files.
    pub const FILES: [&str; 2] = ["model.safetensors", "tokenizer.json"];
    /// The layer's path in a release directory (not a function: it has a `/`).
    pub const LAYER_ARTIFACT: &str = "layers/embedding-model.zip";
    /// The directory the files sit in inside the layer.
    pub const LAYER_DIR: &str = "all-MiniLM-L6-v2";
    /// `OFFLINE_EMBEDDING_MODEL_DIR` in Lambda: layers unpack under `/opt`.
    pub const LAMBDA_DIR: &str = "/opt/all-MiniLM-L6-v2";
    /// The embedding dimension of the model, which the stack's must equal.
    pub const DIMENSION: u32 = 384;
}

/// Python in the functions that run the sandbox: Lambda's managed Python runtime provides the
/// interpreter, and its exec wrapper hook starts our Rust bootstrap instead of the runtime's
/// Python client (docs/architecture.md, "Python in the worker Lambda").
pub mod lambda_python {
    /// The managed runtime (Amazon Linux 2023, arm64).
    pub const RUNTIME: &str = "python3.12";
    /// The runtime's interpreter, which the sandbox runs.
    pub const INTERPRETER: &str = "/var/lang/bin/python3.12";
    /// Where Lambda unpacks the function's zip.
    pub const TASK_ROOT: &str = "/var/task";
    /// The wrapper's name in the zip.
    pub const WRAPPER_FILE: &str = "exec-wrapper";
    /// `AWS_LAMBDA_EXEC_WRAPPER`: the wrapper in the unpacked zip.
    pub const EXEC_WRAPPER: &str = "/var/task/exec-wrapper";
    /// The wrapper: Lambda runs it with the runtime's own start command as arguments; it
    /// ignores them and replaces itself with the bootstrap beside it, which speaks the Runtime
    /// API like any `provided` function.
    pub const WRAPPER_SCRIPT: &str = "#!/bin/sh\n\
# Code Remote: start the Rust bootstrap in place of the managed runtime's Python client.\n\
exec \"${LAMBDA_TASK_ROOT:-/var/task}/bootstrap\"\n";
}

/// Whether `text` can name a stack, local or cloud: 1 to 32 lowercase letters, digits and dashes,
/// starting with a letter. Stack names become directory, resource and bucket names, so both kinds
/// of stack check them with this one rule.
pub fn is_stack_name(text: &str) -> bool {
    (1..=32).contains(&text.len())
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// One Lambda function of a stack (and, for three of them, a local process).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Function {
    /// The HTTP API.
    Api,
    /// The WebSocket routes.
    Ws,
    /// The execution worker (SQS `execution` → sandbox → WebSocket).
    Worker,
    /// The snippet sync worker (SQS `snippet-sync` → analysis, embeddings → search backend).
    SyncWorker,
    /// The migration runner `deploy` invokes.
    Migrate,
}

impl Function {
    /// Every function, in the order stacks declare and start them.
    pub const ALL: [Function; 5] = [
        Function::Api,
        Function::Ws,
        Function::Worker,
        Function::SyncWorker,
        Function::Migrate,
    ];

    /// The function id: the zip's name, the suffix of the deployed name, the rehearsal's label.
    pub fn id(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Ws => "ws",
            Self::Worker => "worker",
            Self::SyncWorker => "sync-worker",
            Self::Migrate => "migrate",
        }
    }

    /// The binary target that is the function's `bootstrap`.
    pub fn binary(self) -> &'static str {
        self.id()
    }

    /// The package that builds [`Function::binary`].
    pub fn package(self) -> &'static str {
        match self {
            Self::Api => "code-remote-api",
            Self::Ws => "code-remote-ws",
            Self::Worker => "code-remote-worker",
            Self::SyncWorker => "code-remote-sync",
            Self::Migrate => "code-remote-migrate-fn",
        }
    }

    /// The camelCase key of the function's logical names and stack outputs
    /// (`<key>FunctionName`, `<key>AliasArn`).
    pub fn output_key(self) -> &'static str {
        match self {
            Self::SyncWorker => "syncWorker",
            other => other.id(),
        }
    }

    /// Whether a local stack runs this function as a process (`ws` is served by the local API,
    /// and `deploy` runs migrations itself).
    pub fn runs_locally(self) -> bool {
        matches!(self, Self::Api | Self::Worker | Self::SyncWorker)
    }

    /// Whether the function runs Python (the sandbox), so its Lambda needs an interpreter.
    pub fn runs_python(self) -> bool {
        matches!(self, Self::Api | Self::Worker)
    }

    /// The function with this id.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|function| function.id() == id)
    }

    /// Every variable the function may read. Variables that Lambda's managed runtimes read
    /// themselves ([`vars::AWS_LAMBDA_EXEC_WRAPPER`]) are listed for the functions that need
    /// them, so a stack may set them.
    pub fn variables(self) -> Vec<&'static str> {
        let sections: &[&[&str]] = match self {
            Self::Api => &[
                DatabaseConfig::VARIABLES,
                CognitoConfig::VARIABLES,
                QueueConfig::VARIABLES,
                HttpConfig::VARIABLES,
                SandboxSettings::VARIABLES,
                AnalysisSettings::VARIABLES,
                SearchSettings::VARIABLES,
                SyncQueueConfig::VARIABLES,
                PushConfig::VARIABLES,
                &[vars::AWS_LAMBDA_RUNTIME_API, vars::AWS_LAMBDA_EXEC_WRAPPER],
            ],
            Self::Ws => &[
                DatabaseConfig::VARIABLES,
                CognitoConfig::VARIABLES,
                PushConfig::VARIABLES,
            ],
            Self::Worker => &[
                DatabaseConfig::VARIABLES,
                PushConfig::VARIABLES,
                SandboxSettings::VARIABLES,
                QueueConfig::VARIABLES,
                &[vars::AWS_LAMBDA_RUNTIME_API, vars::AWS_LAMBDA_EXEC_WRAPPER],
            ],
            Self::SyncWorker => &[
                DatabaseConfig::VARIABLES,
                AnalysisSettings::VARIABLES,
                SearchSettings::VARIABLES,
                SyncQueueConfig::VARIABLES,
                &[vars::AWS_LAMBDA_RUNTIME_API],
            ],
            Self::Migrate => &[
                DatabaseConfig::VARIABLES,
                Neo4jSource::VARIABLES,
                &[vars::SEARCH_BACKEND, vars::EMBEDDING_DIMENSIONS],
            ],
        };
        let mut names: Vec<&'static str> =
            sections.iter().flat_map(|s| s.iter().copied()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Loads the function's settings from `env` and drops them: what a process does first at
    /// start-up, for checking an environment a stack would give it.
    pub fn check(self, env: &Env) -> Result<(), ConfigError> {
        match self {
            Self::Api => ApiSettings::load(env).map(drop),
            Self::Ws => WsSettings::load(env).map(drop),
            Self::Worker => WorkerSettings::load(env).map(drop),
            Self::SyncWorker => SyncWorkerSettings::load(env).map(drop),
            Self::Migrate => MigrateSettings::load(env).map(drop),
        }
    }
}

impl std::fmt::Display for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// Variables a stack may set for a function although no loader of ours reads them: Lambda's
/// managed runtime reads them.
pub const PLATFORM_READ: &[&str] = &[vars::AWS_LAMBDA_EXEC_WRAPPER];

/// Why an environment a stack gives a function breaks the contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContractError {
    /// The function would stop at start-up.
    #[error("{function}: {source}")]
    Config {
        /// The function.
        function: Function,
        /// The variable at fault.
        source: ConfigError,
    },
    /// The stack sets variables the function never reads (a misspelt or stale name).
    #[error("{function}: {} set but nothing reads them", names.join(", "))]
    Unread {
        /// The function.
        function: Function,
        /// The unread names.
        names: Vec<String>,
    },
}

/// Checks that `function` starts with `stack` (what the stack sets) plus `platform` (what
/// Lambda or the local stack's process set around it), and that it reads every variable of
/// `stack` (or that Lambda's runtime does: [`PLATFORM_READ`]).
pub fn verify(
    function: Function,
    stack: &BTreeMap<String, String>,
    platform: &BTreeMap<String, String>,
) -> Result<(), ContractError> {
    let env = Env::from_pairs(
        platform
            .iter()
            .chain(stack)
            .map(|(name, value)| (name.as_str(), value.as_str())),
    );
    function
        .check(&env)
        .map_err(|source| ContractError::Config { function, source })?;
    let read = env.names_read();
    let names: Vec<String> = stack
        .keys()
        .filter(|name| !read.contains(name.as_str()) && !PLATFORM_READ.contains(&name.as_str()))
        .cloned()
        .collect();
    if names.is_empty() {
        Ok(())
    } else {
        Err(ContractError::Unread { function, names })
    }
}

/// Everything the `api` binary reads at start-up.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// PostgreSQL.
    pub database: DatabaseConfig,
    /// The user pool whose tokens are accepted.
    pub cognito: CognitoConfig,
    /// The execution queue `/execute/async` sends to.
    pub queue: QueueConfig,
    /// CORS, listen address, web app.
    pub http: HttpConfig,
    /// The sandbox of `POST /execute`.
    pub sandbox: SandboxSettings,
    /// Analysis and embeddings.
    pub analysis: AnalysisSettings,
    /// The search backend.
    pub search: SearchSettings,
    /// The sync queue every snippet write notifies (writes are not synced without it).
    pub sync: Option<SyncQueueConfig>,
    /// The Management API that `/analyze/async` streams through (the local API's own when unset).
    pub push: Option<PushConfig>,
    /// Whether the process runs inside Lambda.
    pub lambda: bool,
}

impl ApiSettings {
    /// Reads every section; the first missing or malformed variable is the error.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            database: DatabaseConfig::load(env)?,
            cognito: CognitoConfig::load(env)?,
            queue: QueueConfig::load(env)?,
            http: HttpConfig::load(env)?,
            sandbox: SandboxSettings::load(env)?,
            analysis: AnalysisSettings::load(env)?,
            search: SearchSettings::load(env)?,
            sync: SyncQueueConfig::load_optional(env)?,
            push: PushConfig::load_optional(env)?,
            lambda: in_lambda(env),
        })
    }
}

/// Everything the `ws` binary reads at start-up.
#[derive(Debug, Clone)]
pub struct WsSettings {
    /// PostgreSQL (the connections table).
    pub database: DatabaseConfig,
    /// The user pool whose tokens `$connect` accepts.
    pub cognito: CognitoConfig,
    /// Where `pong` frames go (the stage that delivered the event when unset).
    pub push: Option<PushConfig>,
}

impl WsSettings {
    /// Reads every section; the first missing or malformed variable is the error.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            database: DatabaseConfig::load(env)?,
            cognito: CognitoConfig::load(env)?,
            push: PushConfig::load_optional(env)?,
        })
    }
}

/// Everything the `worker` binary reads at start-up.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// PostgreSQL (executions and connections).
    pub database: DatabaseConfig,
    /// Where results are pushed.
    pub push: PushConfig,
    /// The sandbox.
    pub sandbox: SandboxSettings,
    /// The queue to poll outside Lambda (`None` in Lambda, where SQS invokes the function).
    pub queue: Option<QueueConfig>,
}

impl WorkerSettings {
    /// Reads every section; `EXECUTION_QUEUE_URL` only outside Lambda.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let database = DatabaseConfig::load(env)?;
        let push = PushConfig::load(env)?;
        let sandbox = SandboxSettings::load(env)?;
        let queue = if in_lambda(env) {
            None
        } else {
            Some(QueueConfig::load(env)?)
        };
        Ok(Self {
            database,
            push,
            sandbox,
            queue,
        })
    }
}

/// Everything the `sync-worker` binary reads at start-up.
#[derive(Debug, Clone)]
pub struct SyncWorkerSettings {
    /// PostgreSQL (snippets, the sync ledger, the postgres search tables).
    pub database: DatabaseConfig,
    /// Analysis and embeddings.
    pub analysis: AnalysisSettings,
    /// The search backend.
    pub search: SearchSettings,
    /// The queue to poll outside Lambda (`None` in Lambda).
    pub queue: Option<SyncQueueConfig>,
}

impl SyncWorkerSettings {
    /// Reads every section; `SYNC_QUEUE_URL` only outside Lambda.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let database = DatabaseConfig::load(env)?;
        let analysis = AnalysisSettings::load(env)?;
        let search = SearchSettings::load(env)?;
        let queue = if in_lambda(env) {
            None
        } else {
            Some(SyncQueueConfig::load(env)?)
        };
        Ok(Self {
            database,
            analysis,
            search,
            queue,
        })
    }
}

/// Everything the `migrate` binary reads at start-up.
#[derive(Debug, Clone)]
pub struct MigrateSettings {
    /// PostgreSQL.
    pub database: DatabaseConfig,
    /// Neo4j, when the stack has it configured.
    pub neo4j: Option<Neo4jSource>,
    /// `SEARCH_BACKEND=neo4j`: Neo4j must be migrated, so missing credentials fail the call.
    pub neo4j_required: bool,
    /// `EMBEDDING_DIMENSIONS` (default 768): the dimension of the Neo4j vector index.
    pub embedding_dimension: u32,
}

impl MigrateSettings {
    /// Reads every section.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let database = DatabaseConfig::load(env)?;
        let neo4j = Neo4jSource::load_optional(env)?;
        let neo4j_required = SearchBackendName::load(env)? == SearchBackendName::Neo4j;
        let dimension = crate::search::embedding_dimensions(env)?;
        let embedding_dimension = u32::try_from(dimension).map_err(|_| ConfigError::Invalid {
            variable: vars::EMBEDDING_DIMENSIONS,
            reason: format!("{dimension} is too large"),
        })?;
        Ok(Self {
            database,
            neo4j,
            neo4j_required,
            embedding_dimension,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variable with a plausible value, so each loader takes its longest path.
    fn everything() -> Vec<(&'static str, &'static str)> {
        vec![
            (
                vars::DATABASE_SECRET_ARN,
                "arn:aws:secretsmanager:r:1:secret:db",
            ),
            (vars::DATABASE_HOST, "db.example"),
            (vars::DATABASE_NAME, "coderemote"),
            (vars::DATABASE_PORT, "5432"),
            (vars::DATABASE_MAX_CONNECTIONS, "4"),
            (vars::COGNITO_CLIENT_ID, "client"),
            (vars::COGNITO_USER_POOL_ID, "eu-west-1_abc"),
            (vars::AWS_REGION, "eu-west-1"),
            (vars::EXECUTION_QUEUE_URL, "https://sqs/1/execution.fifo"),
            (vars::SYNC_QUEUE_URL, "https://sqs/1/snippet-sync.fifo"),
            (vars::WEBSOCKET_MANAGEMENT_URL, "https://ws.example/live"),
            (vars::CORS_ALLOWED_ORIGINS, "https://app.example"),
            (vars::SEARCH_BACKEND, "neo4j"),
            (
                vars::NEO4J_SECRET_ARN,
                "arn:aws:secretsmanager:r:1:secret:neo4j",
            ),
            (
                vars::GEMINI_API_KEY_SECRET_ARN,
                "arn:aws:secretsmanager:r:1:secret:g",
            ),
            (vars::ANALYSIS_MODEL, "gemini-2.5-flash"),
            (vars::EMBEDDING_MODEL, "gemini-embedding-001"),
            (vars::EMBEDDING_DIMENSIONS, "768"),
        ]
    }

    #[test]
    fn every_name_a_loader_reads_is_in_its_function_s_list() {
        for function in Function::ALL {
            for lambda in [false, true] {
                let mut pairs = everything();
                if lambda {
                    pairs.push((vars::AWS_LAMBDA_RUNTIME_API, "127.0.0.1:9001"));
                }
                let env = Env::from_pairs(pairs);
                function.check(&env).unwrap();
                let listed = function.variables();
                for name in env.names_read() {
                    assert!(listed.contains(&name), "{function} reads {name} unlisted");
                }
            }
        }
    }

    #[test]
    fn verify_names_the_missing_and_the_unread() {
        let stack: BTreeMap<String, String> = [
            (vars::DATABASE_URL, "postgres://h/db"),
            (vars::WEBSOCKET_MANAGEMENT_URL, "https://ws.example/live"),
            (vars::AWS_LAMBDA_EXEC_WRAPPER, "/var/task/exec-wrapper"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let lambda: BTreeMap<String, String> = [(
            vars::AWS_LAMBDA_RUNTIME_API.to_owned(),
            "127.0.0.1:1".to_owned(),
        )]
        .into();
        verify(Function::Worker, &stack, &lambda).unwrap();
        let err = verify(Function::Worker, &stack, &BTreeMap::new()).unwrap_err();
        assert!(
            matches!(err, ContractError::Config { ref source, .. } if source.variable() == vars::EXECUTION_QUEUE_URL),
            "{err}"
        );
        let mut stale = stack.clone();
        stale.insert("GEMINI_MODEL".to_owned(), "x".to_owned());
        stale.insert(vars::SEARCH_BACKEND.to_owned(), "postgres".to_owned());
        let err = verify(Function::Worker, &stale, &lambda).unwrap_err();
        assert_eq!(
            err,
            ContractError::Unread {
                function: Function::Worker,
                names: vec!["GEMINI_MODEL".to_owned(), "SEARCH_BACKEND".to_owned()],
            }
        );
        assert!(err
            .to_string()
            .contains("worker: GEMINI_MODEL, SEARCH_BACKEND set but nothing reads them"));
    }

    #[test]
    fn ids_round_trip_and_keys_are_camel_case() {
        for function in Function::ALL {
            assert_eq!(Function::from_id(function.id()), Some(function));
            assert!(!function.output_key().contains('-'));
        }
        assert_eq!(Function::SyncWorker.output_key(), "syncWorker");
        assert_eq!(Function::from_id("nope"), None);
    }

    #[test]
    fn the_worker_reads_its_queue_only_outside_lambda() {
        let pairs = [
            (vars::DATABASE_URL, "postgres://h/db"),
            (vars::WEBSOCKET_MANAGEMENT_URL, "http://127.0.0.1:1"),
        ];
        let err = WorkerSettings::load(&Env::from_pairs(pairs)).unwrap_err();
        assert_eq!(err.variable(), vars::EXECUTION_QUEUE_URL);
        let mut in_lambda = pairs.to_vec();
        in_lambda.push((vars::AWS_LAMBDA_RUNTIME_API, "127.0.0.1:9001"));
        let settings = WorkerSettings::load(&Env::from_pairs(in_lambda)).unwrap();
        assert!(settings.queue.is_none());
    }

    #[test]
    fn migrate_needs_neo4j_only_for_the_neo4j_backend() {
        let url = (vars::DATABASE_URL, "postgres://h/db");
        let settings = MigrateSettings::load(&Env::from_pairs([url])).unwrap();
        assert!(settings.neo4j.is_none() && !settings.neo4j_required);
        assert_eq!(settings.embedding_dimension, 768);
        let settings =
            MigrateSettings::load(&Env::from_pairs([url, (vars::SEARCH_BACKEND, "neo4j")]))
                .unwrap();
        assert!(settings.neo4j_required);
    }
}
