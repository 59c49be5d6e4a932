//! moto's server, the stack's AWS: installed into the project's `.venv` on first use, started on a
//! free port as a child of the stack.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::spawn::{self, Running};
use crate::state::StackDir;
use crate::Error;

/// How long moto may take to answer (it starts in about 0.3 s).
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// The `moto_server` to run: `MOTO_SERVER` if set (it must exist), else the project's
/// `.venv/bin/moto_server`, installed with `scripts/setup-venv` on first use.
pub async fn ensure_installed(project: &Path) -> Result<PathBuf, Error> {
    if let Some(path) = std::env::var_os("MOTO_SERVER").filter(|v| !v.is_empty()) {
        let binary = PathBuf::from(path);
        return if binary.is_file() {
            Ok(binary)
        } else {
            Err(Error::MotoServerMissing(binary))
        };
    }
    let binary = project.join(".venv/bin/moto_server");
    if binary.is_file() {
        return Ok(binary);
    }
    install(project, binary).await
}

/// Runs `scripts/setup-venv`, printing one progress line; its output becomes the error on failure.
async fn install(project: &Path, binary: PathBuf) -> Result<PathBuf, Error> {
    let script = project.join("scripts/setup-venv");
    eprintln!(
        "installing moto into {} (first use only)...",
        project.join(".venv").display()
    );
    let output = tokio::process::Command::new(&script)
        .current_dir(project)
        .output()
        .await
        .map_err(|e| Error::io(format!("running {}", script.display()), e))?;
    if !output.status.success() || !binary.is_file() {
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        return Err(Error::MotoInstall {
            venv: project.join(".venv"),
            output: text.trim().to_owned(),
        });
    }
    eprintln!("moto installed");
    Ok(binary)
}

/// A running moto server.
pub struct Moto {
    /// The process.
    pub process: Running,
    /// Its base URL.
    pub url: String,
    /// Its port.
    pub port: u16,
}

/// How many ports `start` tries when another process takes the free port first.
const PORT_ATTEMPTS: usize = 5;

/// Starts `binary` on a free loopback port and waits until it answers, moving to another port
/// when another process binds the chosen one between the check and moto's own bind.
pub async fn start(binary: &Path, stack: &StackDir) -> Result<Moto, Error> {
    let mut attempt = 1;
    loop {
        match start_on(binary, stack, free_port()?).await {
            Err(StartFailure::PortTaken(_)) if attempt < PORT_ATTEMPTS => attempt += 1,
            Err(StartFailure::PortTaken(error) | StartFailure::Other(error)) => return Err(error),
            Ok(moto) => return Ok(moto),
        }
    }
}

/// Why one start attempt failed.
enum StartFailure {
    /// Moto could not bind its port: worth another port.
    PortTaken(Error),
    /// Anything else.
    Other(Error),
}

async fn start_on(binary: &Path, stack: &StackDir, port: u16) -> Result<Moto, StartFailure> {
    let mut command = Command::new(binary);
    command.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
    let mut process =
        spawn::start("moto", command, &stack.log("moto"), false).map_err(StartFailure::Other)?;
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Some(status) = process.exited() {
            let error = process.exit_error(status);
            let log = std::fs::read_to_string(&process.log).unwrap_or_default();
            return Err(if log.contains("Address already in use") {
                StartFailure::PortTaken(error)
            } else {
                StartFailure::Other(error)
            });
        }
        let probe = http
            .get(format!("{url}/moto-api/data.json"))
            .timeout(Duration::from_secs(2))
            .send()
            .await;
        if probe.is_ok_and(|r| r.status().is_success()) {
            return Ok(Moto { process, url, port });
        }
        if started.elapsed() > READY_TIMEOUT {
            process.stop(Duration::from_secs(2));
            return Err(StartFailure::Other(Error::StartTimeout {
                what: "moto".into(),
                seconds: READY_TIMEOUT.as_secs(),
                log: process.log.clone(),
                tail: spawn::tail(&process.log),
            }));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> Result<u16, Error> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|e| Error::io("finding a free loopback port", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[tokio::test]
    async fn a_failed_install_shows_pips_output_and_what_to_do_offline() {
        let project = tempfile::tempdir().unwrap();
        let scripts = project.path().join("scripts");
        std::fs::create_dir(&scripts).unwrap();
        let script = scripts.join("setup-venv");
        std::fs::write(
            &script,
            "#!/bin/sh\necho 'ERROR: Could not find a version that satisfies the requirement moto' >&2\nexit 1\n",
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let binary = project.path().join(".venv/bin/moto_server");
        let message = install(project.path(), binary)
            .await
            .unwrap_err()
            .to_string();
        assert!(message.contains("Could not find a version"), "{message}");
        assert!(message.contains("offline"), "{message}");
        assert!(message.contains("PIP_INDEX_URL"), "{message}");
    }
}
