//! A throwaway Bolt server: ArcadeDB, an open-source database that speaks Neo4j's Bolt protocol
//! and Cypher, started from the files `scripts/setup-bolt` installed, on free loopback ports, in
//! a temporary directory, with one database. Dropping the [`BoltServer`] stops it and removes the
//! directory; the server also dies with the process that started it.
//!
//! Why: no Neo4j can be installed on the machines this project is built on, and the Neo4j
//! migrations and search backend must still run against a real Bolt server (docs/search.md,
//! "Neo4j on this machine"). Set `NEO4J_URI` to use a real Neo4j instead.
#![deny(missing_docs)]

use std::io::Read;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where `scripts/setup-bolt` installs ArcadeDB, relative to the workspace.
pub const INSTALL_DIR: &str = ".tools/arcadedb";

/// The database every server is started with.
pub const DATABASE: &str = "code_remote";

/// The administrator ArcadeDB creates.
pub const USER: &str = "root";

/// How long a start may take before it is an error.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// The line ArcadeDB logs once its plugins, HTTP server and default databases are up.
const READY_LINE: &str = "ArcadeDB Server started";

/// Why no server could be started.
#[derive(Debug, thiserror::Error)]
pub enum BoltError {
    /// ArcadeDB is not installed where it was looked for.
    #[error("no ArcadeDB in {0}: run scripts/setup-bolt (or set NEO4J_URI to a Neo4j server)")]
    NotInstalled(PathBuf),
    /// A file or process operation failed.
    #[error("{action}: {source}")]
    Io {
        /// What was being done.
        action: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The server exited or did not become ready in time.
    #[error("ArcadeDB did not start ({reason}); the end of its log:\n{log}")]
    NotReady {
        /// Exited or timed out.
        reason: String,
        /// The last lines of the server log.
        log: String,
    },
}

fn io(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> BoltError {
    let action = action.into();
    move |source| BoltError::Io { action, source }
}

/// The checkout's install directory (`ARCADEDB_HOME` overrides it).
pub fn install_dir() -> PathBuf {
    std::env::var_os("ARCADEDB_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(INSTALL_DIR)
        })
}

/// A running server; dropping it stops the server and removes its directory.
#[derive(Debug)]
pub struct BoltServer {
    child: Child,
    dir: tempfile::TempDir,
    bolt_port: u16,
    http_port: u16,
    password: String,
    version: String,
    started_in: Duration,
}

impl BoltServer {
    /// Starts a server from [`install_dir`] and waits until it accepts Bolt connections.
    pub async fn start() -> Result<Self, BoltError> {
        // Spawned on this (long-lived) runtime thread, not a blocking-pool thread: the server is
        // killed when the thread that started it exits, and pool threads exit when idle.
        let (mut child, dir, ports, password, version, log_path) = spawn(&install_dir())?;
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().map_err(io("watching ArcadeDB"))? {
                return Err(BoltError::NotReady {
                    reason: format!("it exited with {status}"),
                    log: tail(&log_path),
                });
            }
            let logged = std::fs::read_to_string(&log_path).unwrap_or_default();
            if logged.contains(READY_LINE)
                && TcpStream::connect((Ipv4Addr::LOCALHOST, ports.bolt)).is_ok()
            {
                break;
            }
            if started.elapsed() > READY_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                return Err(BoltError::NotReady {
                    reason: format!("not ready after {READY_TIMEOUT:?}"),
                    log: tail(&log_path),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(BoltServer {
            child,
            dir,
            bolt_port: ports.bolt,
            http_port: ports.http,
            password,
            version,
            started_in: started.elapsed(),
        })
    }

    /// `bolt://127.0.0.1:<port>`.
    pub fn uri(&self) -> String {
        format!("bolt://{}:{}", Ipv4Addr::LOCALHOST, self.bolt_port)
    }

    /// The HTTP API's base URL.
    pub fn http_url(&self) -> String {
        format!("http://{}:{}", Ipv4Addr::LOCALHOST, self.http_port)
    }

    /// What a client connects with: the URI, the administrator and the password, and the
    /// server's default database (as a Neo4j client would use it).
    pub fn credentials(&self) -> code_remote_config::Neo4jCredentials {
        code_remote_config::Neo4jCredentials {
            uri: self.uri(),
            user: USER.to_owned(),
            password: self.password.clone().into(),
            database: None,
        }
    }

    /// The database created at start.
    pub fn database(&self) -> &str {
        DATABASE
    }

    /// What runs, for reports: `ArcadeDB 26.10.2.post1`.
    pub fn server_name(&self) -> String {
        format!("ArcadeDB {}", self.version)
    }

    /// How long the start took, until the server accepted connections.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// The server's temporary directory (databases, configuration, log).
    pub fn root_dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for BoltServer {
    fn drop(&mut self) {
        // The database files are throwaway: no orderly shutdown is needed.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port (the listener is closed before the server binds it).
fn free_port() -> Result<u16, BoltError> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(io("finding a free port"))?;
    Ok(listener
        .local_addr()
        .map_err(io("finding a free port"))?
        .port())
}

/// The server's ports.
#[derive(Debug)]
struct Ports {
    bolt: u16,
    http: u16,
}

/// What [`spawn`] started: the process, its directory, ports, password, version and log.
type Spawned = (Child, tempfile::TempDir, Ports, String, String, PathBuf);

/// Starts the server process from `home` (it is not ready yet).
fn spawn(home: &Path) -> Result<Spawned, BoltError> {
    let java = home.join("jre/bin/java");
    if !java.is_file() || !home.join("jars").is_dir() {
        return Err(BoltError::NotInstalled(home.to_path_buf()));
    }
    let version = std::fs::read_to_string(home.join("VERSION"))
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into());
    let dir = tempfile::Builder::new()
        .prefix("code-remote-bolt-")
        .tempdir()
        .map_err(io("creating the server directory"))?;
    let (bolt_port, http_port, https_port) = (free_port()?, free_port()?, free_port()?);
    let password = uuid::Uuid::new_v4().simple().to_string();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).map_err(io("creating the server log"))?;
    let log_err = log.try_clone().map_err(io("opening the server log"))?;
    let setting = |name: &str, value: &dyn std::fmt::Display| format!("-Darcadedb.{name}={value}");
    let root = dir.path().display().to_string();
    let mut command = Command::new(&java);
    command
        .arg("-Xmx512m")
        .arg("-cp")
        .arg(format!("{}/*", home.join("jars").display()))
        .arg(setting("server.rootPath", &root))
        .arg(setting(
            "server.databaseDirectory",
            &format!("{root}/databases"),
        ))
        .arg(setting("server.rootPassword", &password))
        .arg(setting("server.httpIncomingHost", &Ipv4Addr::LOCALHOST))
        .arg(setting("server.httpIncomingPort", &http_port))
        .arg(setting("server.httpsIncomingPort", &https_port))
        .arg(setting("bolt.host", &Ipv4Addr::LOCALHOST))
        .arg(setting("bolt.port", &bolt_port))
        .arg(setting("bolt.defaultDatabase", &DATABASE))
        .arg(setting(
            "server.plugins",
            &"Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
        ))
        .arg(setting(
            "server.defaultDatabases",
            &format!("{DATABASE}[{USER}]"),
        ))
        .arg("com.arcadedb.server.ArcadeDBServer")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err);
    // SAFETY: prctl is async-signal-safe; it only asks the kernel to kill the server when the
    // thread that started it exits, so no run leaves a JVM behind.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = command
        .spawn()
        .map_err(io(format!("running {}", java.display())))?;
    let ports = Ports {
        bolt: bolt_port,
        http: http_port,
    };
    Ok((child, dir, ports, password, version, log_path))
}

/// The last 30 lines of a log.
fn tail(path: &Path) -> String {
    let mut text = String::new();
    if let Ok(mut file) = std::fs::File::open(path) {
        let _ = file.read_to_string(&mut text);
    }
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_server_starts_answers_bolt_and_is_gone_after_drop() {
        let server = BoltServer::start()
            .await
            .unwrap_or_else(|err| panic!("{err}"));
        let port = server.bolt_port;
        assert!(server.uri().starts_with("bolt://127.0.0.1:"));
        assert!(server.server_name().starts_with("ArcadeDB "));
        assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok());
        let dir = server.root_dir().to_path_buf();
        assert!(dir.join("server.log").is_file());
        drop(server);
        assert!(!dir.exists(), "the directory is removed");
        assert!(
            TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err(),
            "the server is stopped"
        );
    }

    #[test]
    fn a_missing_install_names_the_setup_script() {
        let err = spawn(Path::new("/nonexistent/arcadedb")).unwrap_err();
        assert!(err.to_string().contains("scripts/setup-bolt"), "{err}");
    }
}
