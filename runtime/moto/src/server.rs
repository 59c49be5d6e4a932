//! Starting, finding and resetting the moto server.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;
use tokio::sync::OnceCell;

/// Why the emulator is not usable.
#[derive(Debug, thiserror::Error)]
pub enum MotoError {
    /// The `moto_server` executable is not installed.
    #[error("moto_server not found at {0}: run scripts/setup-venv (or set MOTO_SERVER)")]
    NotInstalled(PathBuf),
    /// Starting the process failed.
    #[error("could not start moto_server: {0}")]
    Spawn(std::io::Error),
    /// The server did not answer in time.
    #[error("moto_server at {0} did not become ready within 30 s: check its output above")]
    NotReady(String),
    /// A request to the emulator failed.
    #[error("request to moto failed: {0}")]
    Http(#[from] reqwest::Error),
    /// The emulator answered with an error.
    #[error("moto refused {action}: {body}")]
    Refused {
        /// The API action.
        action: String,
        /// moto's error body.
        body: String,
    },
}

/// A reachable moto server.
#[derive(Debug, Clone)]
pub struct MotoServer {
    url: String,
}

static SHARED: OnceCell<MotoServer> = OnceCell::const_new();

impl MotoServer {
    /// The server for this process: `MOTO_URL` if set, else one started on first use.
    pub async fn shared() -> Result<&'static MotoServer, MotoError> {
        SHARED
            .get_or_try_init(|| async {
                match std::env::var("MOTO_URL") {
                    Ok(url) if !url.is_empty() => {
                        let server = MotoServer {
                            url: url.trim_end_matches('/').to_owned(),
                        };
                        server.wait_ready().await?;
                        Ok(server)
                    }
                    _ => MotoServer::start().await,
                }
            })
            .await
    }

    /// Starts a new `moto_server` on a free loopback port; it is killed when this process exits.
    pub async fn start() -> Result<MotoServer, MotoError> {
        let binary = binary();
        if !binary.exists() {
            return Err(MotoError::NotInstalled(binary));
        }
        let port = free_port().map_err(MotoError::Spawn)?;
        spawn_owned(binary, port)?;
        let server = MotoServer {
            url: format!("http://127.0.0.1:{port}"),
        };
        server.wait_ready().await?;
        Ok(server)
    }

    /// The base URL, e.g. `http://127.0.0.1:5123`; the value for `AWS_ENDPOINT_URL`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// An AWS SDK configuration that talks to this server with dummy credentials.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        self.sdk_config_in(crate::REGION).await
    }

    /// Like [`MotoServer::sdk_config`], for resources in `region`.
    pub async fn sdk_config_in(&self, region: &str) -> aws_config::SdkConfig {
        sdk_config(&self.url, region).await
    }

    /// Wipes every resource of every service.
    pub async fn reset(&self) -> Result<(), MotoError> {
        reqwest::Client::new()
            .post(format!("{}/moto-api/reset", self.url))
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }

    async fn wait_ready(&self) -> Result<(), MotoError> {
        let http = reqwest::Client::new();
        for _ in 0..300 {
            let probe = http
                .get(format!("{}/moto-api/data.json", self.url))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if probe.is_ok_and(|response| response.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(MotoError::NotReady(self.url.clone()))
    }
}

/// `MOTO_SERVER`, else the `moto_server` of the checkout this crate was built from (a target
/// directory shared between checkouts may hold another one's build: `scripts/test` sets
/// `MOTO_SERVER` to its own checkout's).
pub(crate) fn binary() -> PathBuf {
    match std::env::var_os("MOTO_SERVER") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/moto_server"),
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Spawns moto from a thread that lives as long as the process, with a parent-death signal, so the
/// server goes away with the tests even when they are killed.
fn spawn_owned(binary: PathBuf, port: u16) -> Result<(), MotoError> {
    let (started, outcome) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("moto-server".to_owned())
        .spawn(move || {
            let mut command = Command::new(binary);
            command
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            // SAFETY: prctl is async-signal-safe and touches only the child being set up.
            unsafe {
                use std::os::unix::process::CommandExt;
                command.pre_exec(|| {
                    if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
            match command.spawn() {
                Ok(mut child) => {
                    let _ = started.send(Ok(()));
                    let _ = child.wait();
                }
                Err(err) => {
                    let _ = started.send(Err(err));
                }
            }
        })
        .map_err(MotoError::Spawn)?;
    match outcome.recv() {
        Ok(result) => result.map_err(MotoError::Spawn),
        Err(_) => Err(MotoError::Spawn(std::io::Error::other(
            "the moto-server thread ended before starting the process",
        ))),
    }
}

/// An SDK configuration for the moto at `url`, as region `region`, with moto's dummy credentials
/// (access key [`crate::ACCESS_KEY_ID`]).
pub async fn sdk_config(url: &str, region: &str) -> aws_config::SdkConfig {
    let credentials =
        aws_credential_types::Credentials::new(crate::ACCESS_KEY_ID, "testing", None, None, "moto");
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_owned()))
        .endpoint_url(url)
        .credentials_provider(credentials)
        .load()
        .await
}
