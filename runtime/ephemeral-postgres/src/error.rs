//! Why a cluster could not be started or used.

use std::path::PathBuf;

/// Everything that can go wrong while starting or using an ephemeral cluster.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No PostgreSQL server binaries were found on this machine.
    #[error(
        "postgresql server binaries (initdb, postgres) not found on PATH or in /usr/lib/postgresql/*/bin: \
         install them (`apt-get install postgresql`) or install Docker and use the `docker` feature"
    )]
    BinariesMissing,
    /// Running as root, but no unprivileged account exists to run the server as.
    #[error("running as root and no `nobody` account exists: create an unprivileged system user (`useradd --system nobody`)")]
    NoUnprivilegedUser,
    /// A filesystem step (temp dir, template copy, ownership) failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// `initdb` exited with an error.
    #[error("initdb failed ({status}); its output:\n{output}")]
    InitdbFailed {
        /// The exit status.
        status: std::process::ExitStatus,
        /// What initdb printed.
        output: String,
    },
    /// The server process exited before it accepted connections.
    #[error("postgres exited during start-up ({status}); its log:\n{log}")]
    ServerExited {
        /// The exit status.
        status: std::process::ExitStatus,
        /// The server log.
        log: String,
    },
    /// The server did not become ready in time.
    #[error("postgres did not accept connections within {seconds} s; its log:\n{log}")]
    NotReady {
        /// How long we waited.
        seconds: u64,
        /// The server log.
        log: String,
    },
    /// Every attempt lost the race for a free port.
    #[error("could not bind a free loopback port after {attempts} attempts: another process kept taking it")]
    PortRace {
        /// How many ports were tried.
        attempts: u32,
    },
    /// A SQL command against the cluster failed.
    #[error("{action}: {source}")]
    Sql {
        /// What was being done.
        action: String,
        /// The database error.
        source: sqlx::Error,
    },
    /// The shared cluster URL in the environment is not usable.
    #[error(
        "{variable} is set to an invalid URL ({reason}): unset it or point it at a running cluster"
    )]
    BadSharedUrl {
        /// The variable's name.
        variable: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A Docker-backed cluster could not be started.
    #[cfg(feature = "docker")]
    #[error("starting PostgreSQL through testcontainers: {0}")]
    Docker(String),
}

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
