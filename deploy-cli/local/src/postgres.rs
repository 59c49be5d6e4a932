//! The stack's PostgreSQL: a throwaway cluster from the machine's binaries, run by the
//! `ephemeral-postgres serve` child (which removes the cluster on SIGTERM, and so also when the
//! stack's supervisor dies), or a testcontainers one under Docker with the `docker` feature.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Command;

use code_remote_ephemeral_postgres::PgBinaries;
use serde::Deserialize;

use crate::spawn::{self, Running};
use crate::state::StackDir;
use crate::Error;

/// A started cluster.
pub enum Postgres {
    /// Run by the `ephemeral-postgres serve` child.
    Local {
        /// The `serve` process.
        serve: Running,
        /// The postmaster's pid (a grandchild: recorded so that a reaper can stop it).
        server_pid: u32,
        /// The cluster's temporary directory.
        dir: PathBuf,
        /// The database URL.
        url: String,
    },
    /// A testcontainers container, removed on drop.
    #[cfg(feature = "docker")]
    Docker(Box<code_remote_ephemeral_postgres::docker::DockerPostgres>),
}

impl Postgres {
    /// The URL of the stack's database.
    pub fn url(&self) -> String {
        match self {
            Self::Local { url, .. } => url.clone(),
            #[cfg(feature = "docker")]
            Self::Docker(container) => container.url(),
        }
    }
}

/// What `ephemeral-postgres serve` prints once its cluster accepts connections.
#[derive(Deserialize)]
struct Served {
    url: String,
    pid: u32,
    dir: PathBuf,
}

/// Starts the stack's cluster: local binaries first, Docker when they are missing.
pub async fn start(stack: &StackDir) -> Result<Postgres, Error> {
    if PgBinaries::locate().is_ok() {
        return start_local(stack).await;
    }
    #[cfg(feature = "docker")]
    if code_remote_ephemeral_postgres::docker::engine_available() {
        let container = code_remote_ephemeral_postgres::docker::DockerPostgres::start()
            .await
            .map_err(|e| Error::io("starting PostgreSQL under Docker", std::io::Error::other(e)))?;
        return Ok(Postgres::Docker(Box::new(container)));
    }
    Err(Error::NoPostgres)
}

async fn start_local(stack: &StackDir) -> Result<Postgres, Error> {
    let binary = spawn::bin_dir()?.join("ephemeral-postgres");
    if !binary.is_file() {
        return Err(Error::BinaryMissing {
            binary: "ephemeral-postgres",
            package: "code-remote-ephemeral-postgres",
            dir: spawn::bin_dir()?,
        });
    }
    let mut command = Command::new(binary);
    command.arg("serve");
    let mut serve = spawn::start("postgres", command, &stack.log("postgres"), true)?;
    let Some(stdout) = serve.child.stdout.take() else {
        return Err(Error::io(
            "reading ephemeral-postgres' output",
            std::io::Error::other("stdout was not piped"),
        ));
    };
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .map_err(|e| {
        Error::io(
            "reading ephemeral-postgres' output",
            std::io::Error::other(e),
        )
    })?
    .map_err(|e| Error::io("reading ephemeral-postgres' output", e))?;
    match serde_json::from_str::<Served>(&line) {
        Ok(served) => Ok(Postgres::Local {
            serve,
            server_pid: served.pid,
            dir: served.dir,
            url: served.url,
        }),
        Err(_) => {
            let status = serve
                .child
                .wait()
                .map(|s| s.to_string())
                .unwrap_or_else(|e| e.to_string());
            Err(serve.exit_error(status))
        }
    }
}
