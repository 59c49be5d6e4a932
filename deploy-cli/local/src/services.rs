//! The runtime's processes: the functions of the stack contract that a local stack runs
//! ([`Function::runs_locally`]), and the environment each one gets: the stack's values under the
//! contract's variable names, filtered to the variables that function reads, plus what every
//! process needs to reach moto.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use code_remote_config::{vars, Function, Neo4jCredentials};

use crate::aws::Resources;
use crate::queues::QueueAddresses;
use crate::spawn::{self, Running};
use crate::state::StackDir;
use crate::Error;
use code_remote_moto::REGION;

/// The vector length of the offline semantic embedder (all-MiniLM-L6-v2); the API and the sync
/// worker refuse to start, naming `EMBEDDING_DIMENSIONS`, if it ever differs from the model's.
pub(crate) const OFFLINE_MODEL_DIMENSION: usize = 384;

/// The functions a local stack runs, in start order (the API first: the others push to it).
pub fn services() -> Vec<Function> {
    Function::ALL
        .into_iter()
        .filter(|function| function.runs_locally())
        .collect()
}

/// What the services are wired to.
#[derive(Debug, Clone)]
pub struct Wiring {
    /// The stack's database.
    pub database_url: String,
    /// moto's URL.
    pub aws_endpoint_url: String,
    /// The created AWS resources.
    pub resources: Resources,
    /// The queues' addresses.
    pub queues: QueueAddresses,
    /// Where the API listens (`127.0.0.1:port`).
    pub api_listen: String,
    /// The API's base URL (also the Management API's).
    pub api_url: String,
    /// `postgres` or `neo4j`.
    pub search_backend: String,
    /// Neo4j's connection, when the neo4j backend is used.
    pub neo4j: Option<Neo4jCredentials>,
    /// The stack's web root (the built app and its `config.json`), when the app is built.
    pub frontend_dir: Option<std::path::PathBuf>,
    /// The offline semantic embedder's files, when `scripts/setup-model` installed them.
    pub offline_model_dir: Option<std::path::PathBuf>,
    /// The access key id every process signs its AWS calls with, fresh for each `up`: the
    /// API's local WebSocket gateway accepts Management API calls signed with it only.
    pub access_key_id: String,
}

/// A fresh access key id for a local stack (moto accepts any; AWS's shape, 20 characters).
pub fn new_access_key_id() -> String {
    let random = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
    format!("CRL{}", &random[..17])
}

impl Wiring {
    /// The stack's values under the contract's names, before each function's filter.
    fn stack_values(&self) -> BTreeMap<&'static str, String> {
        let pool = &self.resources.pool;
        let mut env = BTreeMap::from([
            (vars::DATABASE_URL, self.database_url.clone()),
            (vars::DATABASE_MAX_CONNECTIONS, "5".to_owned()),
            (vars::EXECUTION_QUEUE_URL, self.queues.execution.clone()),
            (vars::SYNC_QUEUE_URL, self.queues.sync.clone()),
            (vars::COGNITO_CLIENT_ID, pool.client_id.clone()),
            (vars::COGNITO_ISSUER, pool.issuer.clone()),
            (vars::COGNITO_JWKS_URL, pool.jwks_url.clone()),
            (vars::WEBSOCKET_MANAGEMENT_URL, self.api_url.clone()),
            (vars::LISTEN_ADDR, self.api_listen.clone()),
            (vars::CORS_ALLOWED_ORIGINS, self.api_url.clone()),
            (vars::SEARCH_BACKEND, self.search_backend.clone()),
        ]);
        if let Some(credentials) = &self.neo4j {
            env.extend(credentials.variables());
        }
        if let Some(arn) = &self.resources.gemini_secret_arn {
            env.insert(vars::GEMINI_API_KEY_SECRET_ARN, arn.clone());
        }
        if let Some(dir) = &self.frontend_dir {
            env.insert(vars::FRONTEND_DIR, dir.display().to_string());
        }
        if let Some(dir) = &self.offline_model_dir {
            env.insert(vars::OFFLINE_EMBEDDING_MODEL_DIR, dir.display().to_string());
            env.insert(
                vars::EMBEDDING_DIMENSIONS,
                OFFLINE_MODEL_DIMENSION.to_string(),
            );
        }
        env
    }

    /// What `function` reads of the stack's values.
    pub fn stack_env(&self, function: Function) -> BTreeMap<String, String> {
        let reads = function.variables();
        self.stack_values()
            .into_iter()
            .filter(|(name, _)| reads.contains(name))
            .map(|(name, value)| (name.to_owned(), value))
            .collect()
    }

    /// What every process gets around the contract: moto's endpoint and credentials, and logs.
    pub fn process_env(&self) -> BTreeMap<String, String> {
        [
            ("AWS_ENDPOINT_URL", self.aws_endpoint_url.clone()),
            (vars::AWS_REGION, REGION.to_owned()),
            ("AWS_DEFAULT_REGION", REGION.to_owned()),
            ("AWS_ACCESS_KEY_ID", self.access_key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
            // The API's "api listening" line is how `up` knows the port is its own (see
            // `wait_healthy`), so it stays at info whatever RUST_LOG says.
            (
                "RUST_LOG",
                std::env::var("RUST_LOG")
                    .map(|filter| format!("{filter},api=info"))
                    .unwrap_or_else(|_| "info".to_owned()),
            ),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
    }
}

/// Checks that every service has been built; returns the services to run.
pub fn resolve(bin_dir: &Path) -> Result<Vec<Function>, Error> {
    let services = services();
    for function in &services {
        if !bin_dir.join(function.binary()).is_file() {
            return Err(Error::BinaryMissing {
                binary: function.binary(),
                package: function.package(),
                dir: bin_dir.to_path_buf(),
            });
        }
    }
    Ok(services)
}

/// Starts `function` with its environment.
pub fn start(
    function: Function,
    bin_dir: &Path,
    wiring: &Wiring,
    stack: &StackDir,
) -> Result<Running, Error> {
    let mut command = Command::new(bin_dir.join(function.binary()));
    command.envs(wiring.process_env());
    command.envs(wiring.stack_env(function));
    command.current_dir(stack.root());
    spawn::start(function.id(), command, &stack.log(function.id()), false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use code_remote_moto::UserPool;

    fn wiring(frontend: &Path) -> Wiring {
        Wiring {
            access_key_id: new_access_key_id(),
            database_url: "postgres://postgres@127.0.0.1:5433/code_remote".into(),
            aws_endpoint_url: "http://127.0.0.1:5000".into(),
            queues: QueueAddresses {
                execution: "pgqueue://execution.fifo".into(),
                sync: "pgqueue://snippet-sync.fifo".into(),
            },
            resources: Resources {
                pool: UserPool {
                    pool_id: "us-east-1_abc".into(),
                    client_id: "client".into(),
                    issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc".into(),
                    jwks_url: "http://127.0.0.1:5000/us-east-1_abc/.well-known/jwks.json".into(),
                },
                gemini_secret_arn: Some(
                    "arn:aws:secretsmanager:us-east-1:123456789012:secret:g".into(),
                ),
            },
            api_listen: "127.0.0.1:8000".into(),
            api_url: "http://127.0.0.1:8000".into(),
            search_backend: "postgres".into(),
            neo4j: None,
            frontend_dir: Some(frontend.to_path_buf()),
            offline_model_dir: None,
        }
    }

    #[test]
    fn every_service_starts_with_its_environment_and_reads_all_of_it() {
        let web = tempfile::tempdir().unwrap();
        std::fs::write(web.path().join("index.html"), "<!doctype html>").unwrap();
        let wiring = wiring(web.path());
        for function in services() {
            let stack = wiring.stack_env(function);
            code_remote_config::contract::verify(function, &stack, &wiring.process_env())
                .unwrap_or_else(|err| panic!("{err}"));
        }
        let api = wiring.stack_env(Function::Api);
        assert_eq!(
            api[vars::COGNITO_JWKS_URL],
            "http://127.0.0.1:5000/us-east-1_abc/.well-known/jwks.json"
        );
        assert_eq!(api[vars::FRONTEND_DIR], web.path().display().to_string());
        assert!(api[vars::GEMINI_API_KEY_SECRET_ARN].ends_with(":g"));
        let worker = wiring.stack_env(Function::Worker);
        assert_eq!(
            worker[vars::WEBSOCKET_MANAGEMENT_URL],
            "http://127.0.0.1:8000"
        );
        assert!(!worker.contains_key(vars::COGNITO_CLIENT_ID));
        let key = &wiring.process_env()["AWS_ACCESS_KEY_ID"];
        assert!(key.starts_with("CRL") && key.len() == 20, "{key}");
        assert_ne!(key, &new_access_key_id(), "each stack gets its own");
    }

    #[test]
    fn a_missing_required_binary_names_its_package() {
        let empty = tempfile::tempdir().unwrap();
        let message = resolve(empty.path()).unwrap_err().to_string();
        assert!(
            message.contains("cargo build -p code-remote-api --bin api"),
            "{message}"
        );
    }
}
