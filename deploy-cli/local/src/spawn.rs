//! Starting the stack's child processes so that they die with it.
//!
//! Every child gets `PR_SET_PDEATHSIG(SIGTERM)`, so it is signalled when its parent goes away,
//! even by SIGKILL. Linux ties that signal to the *thread* that forked, not the process, so all
//! children are forked from one thread that lives as long as the process (a Tokio blocking thread
//! would retire after a few idle seconds and take the children with it). Each child also gets its
//! own process group, so a Ctrl-C at the terminal reaches only `deploy`, which then stops the
//! children in order.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use crate::procs::ProcessRecord;
use crate::Error;

type Request = (Command, mpsc::Sender<std::io::Result<Child>>);

static SPAWNER: OnceLock<Mutex<mpsc::Sender<Request>>> = OnceLock::new();

/// A running child of the stack, with its log.
#[derive(Debug)]
pub struct Running {
    /// What it is.
    pub name: String,
    /// The process.
    pub child: Child,
    /// Where its stdout and stderr go.
    pub log: PathBuf,
}

impl Running {
    /// Its state-file record; `None` once it has exited.
    pub fn record(&self) -> Option<ProcessRecord> {
        ProcessRecord::of(self.name.clone(), self.child.id())
    }

    /// The exit status, when it has exited.
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => None,
            Err(e) => Some(e.to_string()),
        }
    }

    /// The error describing its unexpected exit.
    pub fn exit_error(&self, status: String) -> Error {
        Error::ChildExited {
            what: self.name.clone(),
            status,
            log: self.log.clone(),
            tail: tail(&self.log),
        }
    }

    /// SIGTERM, then SIGKILL after `grace`; waits for it.
    pub fn stop(&mut self, grace: Duration) {
        if let Some(record) = self.record() {
            record.terminate(libc::SIGTERM, grace);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `command` as a child named `name`, its output appended to `log` (stdout piped instead
/// when `pipe_stdout`).
pub fn start(
    name: &str,
    mut command: Command,
    log: &Path,
    pipe_stdout: bool,
) -> Result<Running, Error> {
    let file =
        File::create(log).map_err(|e| Error::io(format!("creating {}", log.display()), e))?;
    let stdout = if pipe_stdout {
        Stdio::piped()
    } else {
        Stdio::from(
            file.try_clone()
                .map_err(|e| Error::io(format!("opening {}", log.display()), e))?,
        )
    };
    command.stdin(Stdio::null()).stdout(stdout).stderr(file);
    let parent = std::process::id();
    // SAFETY: only async-signal-safe calls (prctl, getppid, setpgid) run between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before prctl took effect; then nobody would signal us.
            if u32::try_from(libc::getppid()).ok() != Some(parent) {
                return Err(std::io::Error::other("the stack's supervisor has exited"));
            }
            if libc::setpgid(0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let program = command.get_program().to_string_lossy().into_owned();
    let child = fork_from_spawner(command)
        .map_err(|e| Error::io(format!("starting {name} ({program})"), e))?;
    Ok(Running {
        name: name.to_owned(),
        child,
        log: log.to_path_buf(),
    })
}

fn fork_from_spawner(command: Command) -> std::io::Result<Child> {
    let spawner = SPAWNER.get_or_init(|| {
        let (requests, incoming) = mpsc::channel::<Request>();
        // If the thread cannot start, the closure and `incoming` are dropped and every request
        // below fails with "could not be started".
        let _ = std::thread::Builder::new()
            .name("stack-spawner".to_owned())
            .spawn(move || {
                for (mut command, reply) in incoming {
                    let _ = reply.send(command.spawn());
                }
            });
        Mutex::new(requests)
    });
    let (reply, answer) = mpsc::channel();
    spawner
        .lock()
        .map_err(|_| std::io::Error::other("the spawner thread panicked"))?
        .send((command, reply))
        .map_err(|_| std::io::Error::other("the spawner thread could not be started"))?;
    answer
        .recv()
        .map_err(|_| std::io::Error::other("the spawner thread ended"))?
}

/// The last lines of a log file, for error messages.
pub fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(20);
    lines[start..].join("\n")
}

/// The directory holding the stack's executables: `CODE_REMOTE_BIN_DIR`, else `deploy`'s own.
pub fn bin_dir() -> Result<PathBuf, Error> {
    if let Some(dir) = std::env::var_os("CODE_REMOTE_BIN_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let exe = std::env::current_exe().map_err(|e| Error::io("finding deploy's own path", e))?;
    exe.parent().map(Path::to_path_buf).ok_or_else(|| {
        Error::io(
            "finding deploy's directory",
            std::io::Error::other("no parent"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_logs_and_stops() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("c.log");
        let mut command = Command::new("sh");
        command.args(["-c", "echo hello; exec sleep 30"]);
        let mut running = start("c", command, &log, false).unwrap();
        let record = running.record().unwrap();
        assert!(running.exited().is_none());
        while tail(&log).is_empty() {
            std::thread::sleep(Duration::from_millis(10));
        }
        running.stop(Duration::from_secs(5));
        assert!(!record.is_alive());
        assert_eq!(tail(&log), "hello");
    }
}
