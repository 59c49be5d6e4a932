//! Why a local stack could not be started, reached or stopped.

use std::path::PathBuf;

/// Everything that can go wrong with a local stack; each message says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The `--name` is not usable as a directory and resource name.
    #[error("invalid stack name {0:?}: use 1 to 32 lowercase letters, digits and dashes, starting with a letter")]
    BadName(String),
    /// Neither PostgreSQL binaries nor a Docker engine are available.
    #[error(
        "no PostgreSQL server binaries (initdb, postgres) and no Docker engine on this machine: \
         install PostgreSQL (`scripts/setup`, or `apt-get install postgresql`), or start a Docker \
         engine and build deploy with `--features code-remote-local-stack/docker`"
    )]
    NoPostgres,
    /// A stack of this name is already running.
    #[error(
        "stack {name} is already running (supervisor pid {pid}): stop it with \
         `deploy down --stack local --name {name}` or start another with a different --name"
    )]
    AlreadyRunning {
        /// The stack's name.
        name: String,
        /// Its supervisor's pid.
        pid: u32,
    },
    /// No stack of this name is running.
    #[error(
        "no local stack named {0} is running: start one with `deploy up --stack local --name {0}`"
    )]
    NotRunning(String),
    /// The stack exists but has not finished starting.
    #[error(
        "local stack {0} is still starting: wait for `deploy up` to print its URLs, then retry"
    )]
    NotReady(String),
    /// A binary the stack runs has not been built.
    #[error(
        "{binary} not found in {dir}: build it with `cargo build -p {package} --bin {binary}` \
         (scripts/up does), or set CODE_REMOTE_BIN_DIR to the directory holding it"
    )]
    BinaryMissing {
        /// The executable's name.
        binary: &'static str,
        /// The package that builds it.
        package: &'static str,
        /// Where it was looked for.
        dir: PathBuf,
    },
    /// Installing moto into the project's virtualenv failed.
    #[error(
        "installing moto into {venv} failed; its output:\n{output}\n\
         offline? copy a working .venv from a machine that reaches PyPI, set PIP_INDEX_URL or \
         PIP_FIND_LINKS to a local mirror and rerun scripts/setup-venv, or set MOTO_SERVER to an \
         installed moto_server"
    )]
    MotoInstall {
        /// The virtualenv directory.
        venv: PathBuf,
        /// What the installer printed.
        output: String,
    },
    /// `MOTO_SERVER` names a file that does not exist.
    #[error("MOTO_SERVER is set to {0}, which does not exist: unset it to use the project's .venv, or point it at an installed moto_server")]
    MotoServerMissing(PathBuf),
    /// A child process exited while the stack was starting or running.
    #[error("{what} exited ({status}); the end of its log {log}:\n{tail}")]
    ChildExited {
        /// Which process.
        what: String,
        /// How it ended.
        status: String,
        /// Its log file.
        log: PathBuf,
        /// The last lines of that log.
        tail: String,
    },
    /// A child process did not become ready in time.
    #[error("{what} was not ready within {seconds} s; the end of its log {log}:\n{tail}")]
    StartTimeout {
        /// Which process.
        what: String,
        /// How long we waited.
        seconds: u64,
        /// Its log file.
        log: PathBuf,
        /// The last lines of that log.
        tail: String,
    },
    /// A filesystem or process operation failed.
    #[error("{action}: {source}")]
    Io {
        /// What was being done.
        action: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The AWS emulator refused a provisioning call.
    #[error("moto refused {action}: {detail}; see the moto log in the stack directory")]
    Aws {
        /// The API action.
        action: String,
        /// moto's answer.
        detail: String,
    },
    /// An HTTP request to the stack failed.
    #[error("{action}: {detail}")]
    Http {
        /// What was being done.
        action: String,
        /// What went wrong.
        detail: String,
    },
    /// Creating the queues failed.
    #[error("creating the stack's queues in {engine}: {detail}")]
    Queues {
        /// Where: the stack's PostgreSQL or moto's SQS.
        engine: String,
        /// What went wrong.
        detail: String,
    },
    /// Applying the migrations failed.
    #[error("applying the {database} migrations: {source}")]
    Migrations {
        /// Which database.
        database: &'static str,
        /// The engine's error.
        source: code_remote_migrations::Error,
    },
    /// The state file of a stack cannot be read.
    #[error("state file {path} is unreadable ({reason}): run `deploy down --stack local --name {name}` or remove {path}")]
    BadState {
        /// The stack's name.
        name: String,
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The Neo4j search backend was asked for, `NEO4J_URI` is not set and no throwaway Bolt
    /// server could be started.
    #[error(
        "--search-backend neo4j: no NEO4J_URI and no throwaway Bolt server ({0}); set NEO4J_URI \
         (and NEO4J_USER, NEO4J_PASSWORD) to a running Neo4j, run scripts/setup-bolt, or use \
         --search-backend postgres"
    )]
    NoNeo4j(String),
    /// `NEO4J_URI` is set for `--search-backend neo4j` but it or a companion is not usable.
    #[error("--search-backend neo4j: {0}")]
    Neo4jVariables(#[from] code_remote_config::ConfigError),
    /// Ctrl-C (or SIGTERM) arrived before the stack was ready.
    #[error("interrupted while starting: everything started so far was stopped and removed")]
    Interrupted,
    /// The detached supervisor ended before the stack was ready.
    #[error("the stack did not start: {reason}; the end of {log}:\n{tail}")]
    DetachFailed {
        /// Why it is considered failed.
        reason: String,
        /// The supervisor's log.
        log: PathBuf,
        /// The last lines of that log.
        tail: String,
    },
}

impl Error {
    pub(crate) fn io(action: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            action: action.into(),
            source,
        }
    }

    pub(crate) fn http(action: impl Into<String>, detail: impl ToString) -> Self {
        Self::Http {
            action: action.into(),
            detail: detail.to_string(),
        }
    }
}

impl From<code_remote_moto::MotoError> for Error {
    fn from(error: code_remote_moto::MotoError) -> Self {
        match error {
            code_remote_moto::MotoError::Refused { action, body } => Self::Aws {
                action,
                detail: body,
            },
            other => Self::Aws {
                action: "a call to moto".to_owned(),
                detail: other.to_string(),
            },
        }
    }
}
