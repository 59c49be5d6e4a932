//! The runtime's processes: which binaries a stack runs, and the environment each one gets.
//!
//! Every service gets the same environment (each binary reads the variables it needs and ignores
//! the rest), so adding a binary is one line in [`SERVICES`]. Optional services are started when
//! their binary has been built.

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
        package: "code-remote-sync-worker",
        required: false,
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
    /// The built web app, when there is one.
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
            (
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned()),
            ),
        ];
        if let Some([uri, user, password]) = &self.neo4j {
            env.push(("NEO4J_URI", uri.clone()));
            env.push(("NEO4J_USER", user.clone()));
            env.push(("NEO4J_PASSWORD", password.clone()));
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
