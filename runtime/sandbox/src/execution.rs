//! One execution, seen from the host: hand four pipes to the zygote, write the code, drain
//! stdout/stderr (keeping the first bytes, discarding the rest so the child never blocks),
//! hold the wall-clock timer, kill through the pidfd when it fires or when the caller stops
//! the run, and turn what was observed into an [`ExecutionResult`]. Everything the child writes
//! is untrusted input.

use std::future::Future;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::pipe;
use tokio::time::{sleep_until, timeout_at};

use crate::result::{ExecutionResult, OutputSize, SecurityViolation, StreamSize};
use crate::zygote::{Event, Zygote};
use crate::{sys, SandboxError};

/// Time allowed for fork, confinement and validation before the user code's own timer starts.
const SETUP_GRACE: Duration = Duration::from_secs(5);
/// Time allowed for a killed child to be reaped before the host gives up waiting.
const KILL_GRACE: Duration = Duration::from_secs(2);
/// Bytes of status the host reads from a child (a few JSON lines).
const MAX_STATUS_BYTES: usize = 64 << 10;

/// The layers a child reports having applied to itself.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Applied {
    /// `dropped` (root → configured uid) or `inherited` (already unprivileged).
    pub identity: String,
    /// The uid the child ran as.
    pub uid: u32,
    /// Whether Landlock was applied.
    pub landlock: bool,
    /// Whether the seccomp filter was installed.
    pub seccomp: bool,
    /// The file-confinement layer in force: `landlock`, `supervisor` or `none`.
    #[serde(default)]
    pub files: String,
}

#[derive(Debug, Deserialize)]
struct StatusLine {
    status: String,
    error: Option<String>,
    error_type: Option<String>,
    violations: Option<Vec<SecurityViolation>>,
    layers: Option<Applied>,
}

/// What the host observed about the child.
#[derive(Debug, Default)]
struct Observed {
    status: Option<StatusLine>,
    exit: Option<i32>,
    timed_out: bool,
    cancelled: bool,
    run_time: Duration,
    failure: Option<String>,
}

/// Up to `limit` bytes of a stream, whether more was discarded, and how much was written.
#[derive(Debug, Default)]
struct Capture {
    bytes: Vec<u8>,
    truncated: bool,
    written: StreamSize,
}

/// Kills a run that was not seen to end: on the timer, and when the execution is dropped
/// (a client that went away), so no child outlives the request that asked for it. A run
/// whose start was not yet reported is killed by the zygote, which handles the kill after
/// the run request on the same socket.
struct RunGuard<'a> {
    zygote: &'a Arc<Zygote>,
    id: u64,
    pidfd: Option<OwnedFd>,
    reaped: bool,
}

impl RunGuard<'_> {
    fn kill(&self) {
        if let Some(pidfd) = &self.pidfd {
            if let Err(error) = sys::pidfd_kill(std::os::fd::AsFd::as_fd(pidfd)) {
                tracing::warn!(%error, "cannot kill a child through its pidfd");
            }
        }
        self.zygote.kill_group(self.id);
    }
}

impl Drop for RunGuard<'_> {
    fn drop(&mut self) {
        if !self.reaped {
            self.kill();
        }
    }
}

/// Runs `code` in a fresh child of `zygote`; the result and the layers the child applied.
/// When `stop` completes first the child is killed like at its timeout, and the result says
/// it was cancelled, with the output it wrote until then.
pub(crate) async fn execute(
    zygote: &Arc<Zygote>,
    code: &str,
    timeout: Duration,
    output_limit: usize,
    stop: impl Future<Output = ()>,
) -> Result<(ExecutionResult, Option<Applied>), SandboxError> {
    let pipe = |what| sys::pipe().map_err(|e| SandboxError::io(what, e));
    let (stdout_read, stdout_write) = pipe("stdout pipe")?;
    let (stderr_read, stderr_write) = pipe("stderr pipe")?;
    let (status_read, status_write) = pipe("status pipe")?;
    let (code_read, code_write) = pipe("code pipe")?;
    let submitted = Instant::now();
    let submission = zygote
        .submit(
            timeout,
            [stdout_write, stderr_write, status_write, code_read],
        )
        .await?;
    let mut guard = RunGuard {
        zygote,
        id: submission.id,
        pidfd: None,
        reaped: false,
    };
    let hard_deadline = (submitted + timeout + SETUP_GRACE + KILL_GRACE).into();
    let receiver = |fd: OwnedFd| {
        pipe::Receiver::from_owned_fd(fd).map_err(|e| SandboxError::io("register pipe", e))
    };
    let (stdout, stderr, status) = (
        receiver(stdout_read)?,
        receiver(stderr_read)?,
        receiver(status_read)?,
    );
    let writer = async {
        if let Ok(mut sender) = pipe::Sender::from_owned_fd(code_write) {
            // A child that died before reading its code is reported by its exit status.
            let _ = sender.write_all(code.as_bytes()).await;
        }
    };
    let guard = &mut guard;
    let supervise = async {
        let mut observed = Observed::default();
        let mut submission = submission;
        let events = &mut submission.events;
        match timeout_at((submitted + SETUP_GRACE).into(), events.recv()).await {
            Ok(Some(Event::Started(pidfd))) => guard.pidfd = Some(pidfd),
            Ok(Some(Event::Failed(error))) => {
                guard.reaped = true;
                observed.failure = Some(format!("the zygote could not fork: {error}"));
                return observed;
            }
            Ok(_) => {
                observed.failure = Some("the sandbox worker exited during the execution".into());
                return observed;
            }
            Err(_) => {
                observed.failure = Some("the zygote did not start the execution in time".into());
                return observed;
            }
        };
        let mut status = status;
        let mut status_bytes = Vec::new();
        let mut status_open = true;
        let mut chunk = [0u8; 4096];
        let mut run_start: Option<Instant> = None;
        let mut deadline = submitted + timeout + SETUP_GRACE;
        let mut killed = false;
        let mut stop = std::pin::pin!(stop);
        loop {
            tokio::select! {
                read = status.read(&mut chunk), if status_open => match read {
                    Ok(0) | Err(_) => status_open = false,
                    Ok(length) => {
                        let room = MAX_STATUS_BYTES.saturating_sub(status_bytes.len());
                        status_bytes.extend_from_slice(&chunk[..length.min(room)]);
                        if run_start.is_none() && is_running(&status_bytes) {
                            let now = Instant::now();
                            run_start = Some(now);
                            deadline = now + timeout;
                        }
                    }
                },
                event = events.recv() => match event {
                    Some(Event::Exited(code)) => {
                        guard.reaped = true;
                        observed.exit = Some(code);
                        break;
                    }
                    Some(_) => {}
                    None => {
                        observed.failure = Some("the sandbox worker exited during the execution".into());
                        break;
                    }
                },
                () = &mut stop, if !killed => {
                    killed = true;
                    observed.cancelled = true;
                    guard.kill();
                    deadline = Instant::now() + KILL_GRACE;
                }
                () = sleep_until(deadline.into()) => {
                    if killed {
                        observed.failure = Some("the killed execution was not reaped in time".into());
                        break;
                    }
                    killed = true;
                    observed.timed_out = true;
                    guard.kill();
                    deadline = Instant::now() + KILL_GRACE;
                }
            }
        }
        let finished = Instant::now();
        observed.run_time = run_start.map_or(Duration::ZERO, |start| finished - start);
        if status_open {
            // The child is gone, so the pipe holds at most what it wrote before dying.
            let _ = tokio::time::timeout(KILL_GRACE, async {
                while let Ok(length) = status.read(&mut chunk).await {
                    if length == 0 || status_bytes.len() >= MAX_STATUS_BYTES {
                        break;
                    }
                    status_bytes.extend_from_slice(&chunk[..length]);
                }
            })
            .await;
        }
        observed.status = final_status(&status_bytes);
        observed
    };
    let ((), stdout, stderr, observed) = tokio::join!(
        writer,
        drain(stdout, output_limit, hard_deadline),
        drain(stderr, output_limit, hard_deadline),
        supervise
    );
    let applied = observed.status.as_ref().and_then(|s| s.layers.clone());
    Ok((assemble(observed, stdout, stderr, timeout), applied))
}

/// Reads a stream to its end (or the deadline), keeping at most `limit` bytes.
async fn drain(
    mut stream: pipe::Receiver,
    limit: usize,
    deadline: tokio::time::Instant,
) -> Capture {
    let mut capture = Capture::default();
    let mut last = None;
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        let read = tokio::select! {
            read = stream.read(&mut chunk) => read,
            () = sleep_until(deadline) => break,
        };
        match read {
            Ok(0) | Err(_) => break,
            Ok(length) => {
                capture.written.add(&chunk[..length]);
                last = Some(chunk[length - 1]);
                let room = limit.saturating_sub(capture.bytes.len());
                if length > room {
                    capture.truncated = true;
                }
                capture.bytes.extend_from_slice(&chunk[..length.min(room)]);
            }
        }
    }
    capture.written = capture.written.finish(last);
    capture
}

fn lines(bytes: &[u8]) -> impl Iterator<Item = StatusLine> + '_ {
    bytes
        .split(|byte| *byte == b'\n')
        .filter_map(|line| serde_json::from_slice::<StatusLine>(line).ok())
}

fn is_running(bytes: &[u8]) -> bool {
    lines(bytes).any(|line| line.status == "running")
}

/// The child's last status. After `running`, user code holds the process, and the runner
/// itself only ever writes `ok` or `error`: any other status from then on was written by
/// the program (it can reach fd 3 once the Python layer is bypassed), so it is reported as
/// the program's own failure and never taken for a sandbox fault or a validation result.
fn final_status(bytes: &[u8]) -> Option<StatusLine> {
    let mut running = false;
    let mut last = None;
    for line in lines(bytes) {
        match line.status.as_str() {
            "running" => running = true,
            "ok" | "error" => last = Some(line),
            _ if running => {
                last = Some(StatusLine {
                    status: "error".into(),
                    error: Some("the program wrote to the sandbox's status channel".into()),
                    error_type: Some("SecurityError".into()),
                    violations: None,
                    layers: None,
                })
            }
            _ => last = Some(line),
        }
    }
    last
}

/// Text of a capture, cut at a character boundary when the limit split one.
fn text(capture: &Capture) -> String {
    match std::str::from_utf8(&capture.bytes) {
        Ok(text) => text.to_owned(),
        Err(error) if error.error_len().is_none() => {
            String::from_utf8_lossy(&capture.bytes[..error.valid_up_to()]).into_owned()
        }
        Err(_) => String::from_utf8_lossy(&capture.bytes).into_owned(),
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGSYS => "SIGSYS",
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        libc::SIGPIPE => "SIGPIPE",
        _ => "signal",
    }
}

/// How a process that left no status ended, as (error, error_type).
fn termination(exit: Option<i32>) -> (String, &'static str) {
    match exit {
        Some(code) if code == -libc::SIGXCPU => {
            ("CPU time limit exceeded".into(), "CPUTimeLimitExceeded")
        }
        Some(code) if code < 0 => (
            format!(
                "Process was killed by signal {} ({})",
                -code,
                signal_name(-code)
            ),
            "ProcessKilled",
        ),
        Some(code) => (format!("Process exited with code {code}"), "SystemExit"),
        None => (
            "the sandbox worker exited during the execution".into(),
            "SandboxError",
        ),
    }
}

/// Whether the runner reported the program's own end (it finished before a stop could kill it).
fn ended_on_its_own(status: Option<&StatusLine>, exit: Option<i32>) -> bool {
    exit == Some(0) && status.is_some_and(|line| line.status == "ok" || line.status == "error")
}

fn assemble(
    observed: Observed,
    stdout: Capture,
    stderr: Capture,
    timeout: Duration,
) -> ExecutionResult {
    let mut result = ExecutionResult {
        success: false,
        stdout: text(&stdout),
        stderr: text(&stderr),
        error: None,
        error_type: None,
        execution_time_ms: observed.run_time.as_secs_f64() * 1000.0,
        timed_out: observed.timed_out,
        truncated: stdout.truncated || stderr.truncated,
        security_violations: Vec::new(),
        cancelled: observed.cancelled,
        output_size: (stdout.truncated || stderr.truncated).then_some(OutputSize {
            stdout: stdout.written,
            stderr: stderr.written,
        }),
    };
    let mut fail = |error: String, error_type: &str| {
        result.error = Some(error);
        result.error_type = Some(error_type.to_owned());
    };
    if observed.timed_out {
        fail(
            format!(
                "Execution timed out after {} seconds",
                timeout.as_secs_f64()
            ),
            "TimeoutError",
        );
        return result;
    }
    if observed.cancelled && !ended_on_its_own(observed.status.as_ref(), observed.exit) {
        let error = if observed.run_time.is_zero() {
            "Execution stopped on request before it started".to_owned()
        } else {
            format!(
                "Execution stopped on request after {:.1} seconds",
                observed.run_time.as_secs_f64()
            )
        };
        fail(error, "Cancelled");
        return result;
    }
    result.cancelled = false;
    if let Some(failure) = observed.failure {
        tracing::error!(failure, "sandbox execution failed");
        fail(failure, "SandboxError");
        return result;
    }
    match (observed.status, observed.exit) {
        (Some(status), Some(0)) => match status.status.as_str() {
            "ok" => result.success = true,
            "violations" => {
                result.security_violations = status.violations.unwrap_or_default();
                fail("Security validation failed".into(), "SecurityError");
            }
            "internal" => {
                let error = status.error.unwrap_or_default();
                tracing::error!(error, "a child could not confine itself");
                fail(
                    format!("the sandbox could not confine the execution: {error}"),
                    "SandboxError",
                );
            }
            _ => fail(
                status.error.unwrap_or_default(),
                status.error_type.as_deref().unwrap_or("Exception"),
            ),
        },
        (Some(status), exit) if status.status == "internal" => {
            let error = status.error.unwrap_or_default();
            tracing::error!(error, ?exit, "a child could not confine itself");
            fail(
                format!("the sandbox could not confine the execution: {error}"),
                "SandboxError",
            );
        }
        (_, exit) => {
            let (error, error_type) = termination(exit);
            fail(error, error_type);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_after_running_other_than_ok_and_error_are_the_programs_own() {
        let forged =
            b"{\"status\":\"running\"}\n{\"status\":\"internal\",\"error\":\"fake fault\"}\n";
        let status = final_status(forged).expect("a status");
        assert_eq!(status.status, "error");
        assert_eq!(status.error_type.as_deref(), Some("SecurityError"));
        let forged = b"{\"status\":\"running\"}\n{\"status\":\"violations\",\"violations\":[]}\n";
        assert_eq!(final_status(forged).expect("a status").status, "error");
    }

    #[test]
    fn statuses_before_running_and_the_runners_own_are_kept() {
        let internal = b"{\"status\":\"internal\",\"error\":\"landlock failed\"}\n";
        assert_eq!(final_status(internal).expect("a status").status, "internal");
        let ok = b"{\"status\":\"running\"}\ngarbage\n{\"status\":\"ok\"}\n";
        assert_eq!(final_status(ok).expect("a status").status, "ok");
        let violations = b"{\"status\":\"violations\",\"violations\":[]}\n";
        assert_eq!(
            final_status(violations).expect("a status").status,
            "violations"
        );
        assert!(final_status(b"{\"status\":\"running\"}\n").is_none());
    }
}
