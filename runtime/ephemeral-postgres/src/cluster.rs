//! Starting one throwaway cluster: data directory, free port, server process, readiness, database.

use std::fs::File;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};

use crate::user::RunAs;
use crate::{cleanup, template, Error, PgBinaries};

/// How many fresh ports to try when another process takes ours between picking and binding.
const PORT_ATTEMPTS: u32 = 5;

/// How a cluster is started.
#[derive(Debug, Clone)]
pub struct Options {
    /// The database created at start; [`EphemeralPostgres::url`] points at it.
    pub database: String,
    /// Copy a cached `initdb` result instead of running `initdb` each time (the cache lives in
    /// `$CODE_REMOTE_PG_TEMPLATE_DIR`, default the system temp dir). Much faster; on by default.
    pub template_cache: bool,
    /// How long to wait for the server to accept connections.
    pub ready_timeout: Duration,
    /// The loopback address to listen on (any of 127.0.0.0/8): a rehearsal gives its cluster an
    /// address of its own so that it can listen on PostgreSQL's default port, as Aurora does.
    pub address: Ipv4Addr,
    /// The port; `None` picks a free one.
    pub port: Option<u16>,
    /// Serve TLS with a self-signed certificate made by `openssl` (clients that require TLS,
    /// like the runtime against Aurora, can then connect).
    pub tls: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            database: "code_remote".into(),
            template_cache: true,
            ready_timeout: Duration::from_secs(30),
            address: Ipv4Addr::LOCALHOST,
            port: None,
            tls: false,
        }
    }
}

/// A running throwaway cluster; dropping it stops the server and removes its directory.
#[derive(Debug)]
pub struct EphemeralPostgres {
    id: u64,
    root: PathBuf,
    address: Ipv4Addr,
    port: u16,
    pid: u32,
    database: String,
    binaries: PgBinaries,
}

impl EphemeralPostgres {
    /// Start a cluster with [`Options::default`].
    pub async fn start() -> Result<Self, Error> {
        Self::start_with(Options::default()).await
    }

    /// Start a cluster: data directory, server on a free loopback port, then the database.
    pub async fn start_with(options: Options) -> Result<Self, Error> {
        let database = options.database.clone();
        let cluster = tokio::task::spawn_blocking(move || start_server(&options))
            .await
            .map_err(|e| Error::io("starting postgres", "", std::io::Error::other(e)))??;
        cluster.create_database(&database).await?;
        Ok(cluster)
    }

    /// The URL of the database created at start.
    pub fn url(&self) -> String {
        self.url_for(&self.database)
    }

    /// The URL of the `postgres` maintenance database, for creating and dropping databases.
    pub fn admin_url(&self) -> String {
        self.url_for("postgres")
    }

    /// The URL of any database in this cluster (superuser `postgres`, trust auth, loopback only).
    pub fn url_for(&self, database: &str) -> String {
        format!(
            "postgres://postgres@{}:{}/{database}",
            self.address, self.port
        )
    }

    /// The loopback address the server listens on.
    pub fn address(&self) -> Ipv4Addr {
        self.address
    }

    /// Create a database in this cluster and return its URL.
    pub async fn create_database(&self, name: &str) -> Result<String, Error> {
        create_database(&self.admin_url(), name).await?;
        Ok(self.url_for(name))
    }

    /// The loopback TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's process id (the postmaster).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The temporary directory holding the data directory, the socket and the server log.
    pub fn root_dir(&self) -> &Path {
        &self.root
    }

    /// The binaries this cluster runs, e.g. for `pg_dump`.
    pub fn binaries(&self) -> &PgBinaries {
        &self.binaries
    }
}

impl Drop for EphemeralPostgres {
    fn drop(&mut self) {
        cleanup::release(self.id);
    }
}

/// `CREATE DATABASE` through the admin URL of any cluster.
pub(crate) async fn create_database(admin_url: &str, name: &str) -> Result<(), Error> {
    let sql_error = |action: String| move |source| Error::Sql { action, source };
    let mut admin = PgConnection::connect(admin_url)
        .await
        .map_err(sql_error(format!("connecting to {admin_url}")))?;
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    sqlx::raw_sql(&format!("CREATE DATABASE {quoted}"))
        .execute(&mut admin)
        .await
        .map_err(sql_error(format!("creating database {quoted}")))?;
    admin.close().await.ok();
    Ok(())
}

fn start_server(options: &Options) -> Result<EphemeralPostgres, Error> {
    let binaries = PgBinaries::locate()?;
    let run_as = RunAs::resolve()?;
    let dir = tempfile::Builder::new()
        .prefix("code-remote-pg-")
        .tempdir()
        .map_err(|e| Error::io("creating a temp dir in", std::env::temp_dir(), e))?;
    let root = dir.path().to_path_buf();
    run_as.own(&root)?;
    // From here on the directory is removed by drop or by a signal, whatever happens.
    let id = cleanup::register(dir);
    let started = start_in(id, &root, &binaries, &run_as, options);
    match started {
        Ok((port, pid)) => Ok(EphemeralPostgres {
            id,
            root,
            address: options.address,
            port,
            pid,
            database: options.database.clone(),
            binaries,
        }),
        Err(error) => {
            cleanup::release(id);
            Err(error)
        }
    }
}

fn start_in(
    id: u64,
    root: &Path,
    binaries: &PgBinaries,
    run_as: &RunAs,
    options: &Options,
) -> Result<(u16, u32), Error> {
    let data = root.join("data");
    if options.template_cache {
        template::from_cache(binaries, run_as, &data)?;
    } else {
        template::initdb(binaries, run_as, &data)?;
    }
    let mut settings: Vec<String> = SETTINGS.iter().map(|s| (*s).to_owned()).collect();
    settings.push(format!("listen_addresses={}", options.address));
    if options.tls {
        settings.extend(self_signed_certificate(root, run_as)?);
    }
    let attempts = if options.port.is_some() {
        1
    } else {
        PORT_ATTEMPTS
    };
    for _ in 0..attempts {
        let port = match options.port {
            Some(port) => port,
            None => free_port(options.address)?,
        };
        let log_path = root.join("postgres.log");
        let log = File::create(&log_path).map_err(|e| Error::io("creating", &log_path, e))?;
        let mut command = Command::new(binaries.binary("postgres"));
        command
            .arg("-D")
            .arg(&data)
            .arg("-p")
            .arg(port.to_string())
            .arg("-k")
            .arg(root)
            .args(settings.iter().flat_map(|s| ["-c", s.as_str()]))
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        run_as.apply(&mut command);
        let server = command
            .spawn()
            .map_err(|e| Error::io("starting", binaries.binary("postgres"), e))?;
        let pid = server.id();
        cleanup::set_server(id, server);
        match wait_ready(id, &data, &log_path, options.ready_timeout)? {
            Ready::Yes => return Ok((port, pid)),
            Ready::PortTaken => cleanup::clear_server(id),
        }
    }
    Err(Error::PortRace { attempts })
}

/// A key and self-signed certificate for `localhost` in `root`, owned by the server's user;
/// the settings that make the server use them.
fn self_signed_certificate(root: &Path, run_as: &RunAs) -> Result<[String; 3], Error> {
    let key = root.join("server.key");
    let cert = root.join("server.crt");
    let output = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::io("running openssl (install it for TLS) in", root, e))?;
    if !output.status.success() {
        return Err(Error::io(
            "making a self-signed certificate in",
            root,
            std::io::Error::other(String::from_utf8_lossy(&output.stderr).into_owned()),
        ));
    }
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .map_err(|e| Error::io("restricting", &key, e))?;
    run_as.own(&key)?;
    run_as.own(&cert)?;
    Ok([
        "ssl=on".to_owned(),
        format!("ssl_cert_file={}", cert.display()),
        format!("ssl_key_file={}", key.display()),
    ])
}

/// Settings for a cluster nobody needs to survive a crash: no fsync, loopback only.
const SETTINGS: &[&str] = &[
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    // Shared memory segments as files in the data directory, so removal leaves nothing in /dev/shm.
    "dynamic_shared_memory_type=mmap",
    "max_connections=200",
    "shared_buffers=32MB",
];

/// Let the OS pick a free port; the server may still lose it to a race, which the caller retries.
fn free_port(address: Ipv4Addr) -> Result<u16, Error> {
    let listener = TcpListener::bind((address, 0))
        .map_err(|e| Error::io("finding a free port on", address.to_string(), e))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::io("finding a free port on", address.to_string(), e))?
        .port();
    Ok(port)
}

enum Ready {
    Yes,
    PortTaken,
}

/// Poll `postmaster.pid`, whose status line turns to `ready` once connections are accepted.
fn wait_ready(id: u64, data: &Path, log: &Path, timeout: Duration) -> Result<Ready, Error> {
    let deadline = Instant::now() + timeout;
    let pid_file = data.join("postmaster.pid");
    loop {
        if let Some(status) = cleanup::server_exit(id) {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            if log.contains("could not bind") || log.contains("Address already in use") {
                return Ok(Ready::PortTaken);
            }
            return Err(Error::ServerExited { status, log });
        }
        let contents = std::fs::read_to_string(&pid_file).unwrap_or_default();
        if contents.lines().nth(7).map(str::trim) == Some("ready") {
            return Ok(Ready::Yes);
        }
        if Instant::now() > deadline {
            return Err(Error::NotReady {
                seconds: timeout.as_secs(),
                log: std::fs::read_to_string(log).unwrap_or_default(),
            });
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
