//! The runtime's processes: which binaries a stack runs, and the environment each one gets.
//!
//! Every service gets the same environment (each binary reads the variables it needs and ignores
//! the rest), so adding a binary is one line in [`SERVICES`]; one marked optional is started only
//! when its binary has been built.

use std::path::Path;
use std::process::Command;

use crate::aws::{Resources, REGION};
use crate::spawn::{self, Running};
use crate::state::StackDir;
use crate::Error;

/// A runtime binary the stack runs.
#[derive(Debug, Clone, Copy)]
pub struct Service {
    /// The process name in logs and the state file.
    pub name: &'static str,
    /// The executable, next to `deploy`.
    pub binary: &'static str,
    /// The package that builds it.
    pub package: &'static str,
    /// Whether the stack refuses to start without it.
    pub required: bool,
}

/// The services of a stack, in start order (the API first: the others push to it).
pub const SERVICES: &[Service] = &[
    Service {
        name: "api",
        binary: "api",
        package: "code-remote-api",
        required: true,
    },
    Service {
        name: "worker",
        binary: "worker",
        package: "code-remote-worker",
        required: true,
    },
    Service {
        name: "sync-worker",
        binary: "sync-worker",
        package: "code-remote-sync",
        required: true,
    },
];

/// What the services are wired to.
#[derive(Debug, Clone)]
pub struct Wiring {
    /// The stack's database.
    pub database_url: String,
    /// moto's URL.
    pub aws_endpoint_url: String,
    /// The created AWS resources.
    pub resources: Resources,
    /// Where the API listens (`127.0.0.1:port`).
    pub api_listen: String,
    /// The API's base URL (also the Management API's).
    pub api_url: String,
    /// `postgres` or `neo4j`.
    pub search_backend: String,
    /// Neo4j's connection, when the neo4j backend is used.
    pub neo4j: Option<[String; 3]>,
    /// The stack's web root (the built app and its `config.json`), when the app is built.
    pub frontend_dir: Option<std::path::PathBuf>,
}

impl Wiring {
    /// The environment every service gets.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let pool = &self.resources.pool;
        let mut env = vec![
            ("DATABASE_URL", self.database_url.clone()),
            ("DATABASE_MAX_CONNECTIONS", "5".to_owned()),
            (
                "DATABASE_SECRET_ARN",
                self.resources.database_secret_arn.clone(),
            ),
            ("AWS_ENDPOINT_URL", self.aws_endpoint_url.clone()),
            ("AWS_REGION", REGION.to_owned()),
            ("AWS_DEFAULT_REGION", REGION.to_owned()),
            ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
            (
                "EXECUTION_QUEUE_URL",
                self.resources.execution_queue_url.clone(),
            ),
            ("SYNC_QUEUE_URL", self.resources.sync_queue_url.clone()),
            ("COGNITO_USER_POOL_ID", pool.pool_id.clone()),
            ("COGNITO_CLIENT_ID", pool.client_id.clone()),
            ("COGNITO_ISSUER", pool.issuer()),
            ("COGNITO_JWKS_URL", pool.jwks_url(&self.aws_endpoint_url)),
            ("WEBSOCKET_MANAGEMENT_URL", self.api_url.clone()),
            ("LISTEN_ADDR", self.api_listen.clone()),
            ("CORS_ALLOWED_ORIGINS", self.api_url.clone()),
            ("SEARCH_BACKEND", self.search_backend.clone()),
            // The API's "api listening" line is how `up` knows the port is its own (see
            // `wait_healthy`), so it stays at info whatever RUST_LOG says.
            (
                "RUST_LOG",
                std::env::var("RUST_LOG")
                    .map(|filter| format!("{filter},api=info"))
                    .unwrap_or_else(|_| "info".to_owned()),
            ),
        ];
        if let Some([uri, user, password]) = &self.neo4j {
            env.push(("NEO4J_URI", uri.clone()));
            env.push(("NEO4J_USER", user.clone()));
            env.push(("NEO4J_PASSWORD", password.clone()));
        }
        if let Some(arn) = &self.resources.gemini_secret_arn {
            env.push(("GEMINI_API_KEY_SECRET_ARN", arn.clone()));
        }
        if let Some(dir) = &self.frontend_dir {
            env.push(("FRONTEND_DIR", dir.display().to_string()));
        }
        env
    }
}

/// Checks that every required service has been built; returns the services to run.
pub fn resolve(bin_dir: &Path) -> Result<Vec<Service>, Error> {
    let mut found = Vec::new();
    for service in SERVICES {
        if bin_dir.join(service.binary).is_file() {
            found.push(*service);
        } else if service.required {
            return Err(Error::BinaryMissing {
                binary: service.binary,
                package: service.package,
                dir: bin_dir.to_path_buf(),
            });
        }
    }
    Ok(found)
}

/// Starts `service` with the stack's environment.
pub fn start(
    service: &Service,
    bin_dir: &Path,
    wiring: &Wiring,
    stack: &StackDir,
) -> Result<Running, Error> {
    let mut command = Command::new(bin_dir.join(service.binary));
    command.envs(wiring.env());
    command.current_dir(stack.root());
    spawn::start(service.name, command, &stack.log(service.name), false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::UserPool;

    fn wiring() -> Wiring {
        Wiring {
            database_url: "postgres://postgres@127.0.0.1:5433/code_remote".into(),
            aws_endpoint_url: "http://127.0.0.1:5000".into(),
            resources: Resources {
                execution_queue_url: "http://127.0.0.1:5000/123456789012/execution.fifo".into(),
                sync_queue_url: "http://127.0.0.1:5000/123456789012/snippet-sync.fifo".into(),
                pool: UserPool {
                    pool_id: "us-east-1_abc".into(),
                    client_id: "client".into(),
                },
                database_secret_arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"
                    .into(),
                gemini_secret_arn: Some(
                    "arn:aws:secretsmanager:us-east-1:123456789012:secret:g".into(),
                ),
            },
            api_listen: "127.0.0.1:8000".into(),
            api_url: "http://127.0.0.1:8000".into(),
            search_backend: "postgres".into(),
            neo4j: None,
            frontend_dir: Some("/srv/dist".into()),
        }
    }

    #[test]
    fn every_variable_the_runtime_reads_is_set() {
        let env = wiring().env();
        let value = |name: &str| {
            env.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.clone())
                .unwrap_or_else(|| panic!("{name} is not set"))
        };
        assert_eq!(
            value("COGNITO_ISSUER"),
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"
        );
        assert_eq!(
            value("COGNITO_JWKS_URL"),
            "http://127.0.0.1:5000/us-east-1_abc/.well-known/jwks.json"
        );
        assert_eq!(value("WEBSOCKET_MANAGEMENT_URL"), "http://127.0.0.1:8000");
        assert_eq!(value("FRONTEND_DIR"), "/srv/dist");
        assert!(value("GEMINI_API_KEY_SECRET_ARN").ends_with(":g"));
        for name in [
            "DATABASE_URL",
            "EXECUTION_QUEUE_URL",
            "SYNC_QUEUE_URL",
            "COGNITO_CLIENT_ID",
            "AWS_ENDPOINT_URL",
            "AWS_REGION",
            "LISTEN_ADDR",
            "SEARCH_BACKEND",
        ] {
            assert!(!value(name).is_empty(), "{name}");
        }
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
