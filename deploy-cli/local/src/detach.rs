//! `--detach`: the same command, run again in a new session as the stack's supervisor, while this
//! process waits for the stack to be ready and then returns.
//!
//! The copy gets the same arguments and [`SUPERVISOR_ENV`], which makes [`crate::up`] run the stack
//! instead of detaching again. Its stdout and stderr go to `supervisor.log` in the stack directory;
//! this process keeps that file open, so it can show why start-up failed even after the failing
//! supervisor removed the directory.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::state::{Phase, StackDir};
use crate::summary::Summary;
use crate::up::claim;
use crate::{Error, UpOptions, SUPERVISOR_ENV};

/// Starts the supervisor in the background and waits until its stack is ready.
pub async fn detach(options: &UpOptions) -> Result<Summary, Error> {
    let dir = StackDir::of(&options.name);
    claim(&dir)?;
    dir.create()?;
    let log_path = dir.root().join("supervisor.log");
    let log = File::options()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(&log_path)
        .map_err(|e| Error::io(format!("creating {}", log_path.display()), e))?;
    let exe = std::env::current_exe().map_err(|e| Error::io("finding deploy's own path", e))?;
    let mut command = Command::new(exe);
    let output = |file: &File| {
        file.try_clone()
            .map(Stdio::from)
            .map_err(|e| Error::io("opening the supervisor log", e))
    };
    command
        .args(std::env::args_os().skip(1))
        .env(SUPERVISOR_ENV, "1")
        .stdin(Stdio::null())
        .stdout(output(&log)?)
        .stderr(output(&log)?);
    // SAFETY: setsid is async-signal-safe; it detaches the supervisor from our terminal and session.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut supervisor = command
        .spawn()
        .map_err(|e| Error::io("starting the stack's supervisor", e))?;
    loop {
        if let Ok(Some(state)) = dir.read() {
            match (state.phase, state.outputs, state.demo) {
                (Phase::Ready, Some(outputs), Some(demo)) => {
                    return Ok(Summary {
                        name: options.name.to_string(),
                        outputs,
                        demo,
                        dir: dir.root().to_path_buf(),
                        detached: true,
                    });
                }
                (Phase::Failed, ..) => {
                    let reason = state.error.unwrap_or_else(|| "start-up failed".into());
                    let _ = supervisor.wait();
                    return Err(failure(reason, &log, &log_path));
                }
                _ => {}
            }
        }
        if let Ok(Some(status)) = supervisor.try_wait() {
            return Err(failure(
                format!("the supervisor exited ({status})"),
                &log,
                &log_path,
            ));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn failure(reason: String, mut log: &File, path: &std::path::Path) -> Error {
    let mut text = String::new();
    let _ = log.seek(SeekFrom::Start(0));
    let _ = log.read_to_string(&mut text);
    let lines: Vec<&str> = text.lines().collect();
    Error::DetachFailed {
        reason,
        log: path.to_path_buf(),
        tail: lines[lines.len().saturating_sub(20)..].join("\n"),
    }
}
