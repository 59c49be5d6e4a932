//! Shared helpers: a sandbox per test (nextest runs each test in its own process), a secret
//! planted in the host's environment, and the "host unharmed" check every attack ends with.

#![allow(dead_code)]

use std::io::Write;
use std::time::{Duration, Instant};

use code_remote_sandbox::{ExecutionResult, FileConfinement, Sandbox, SandboxConfig};

/// Planted in the host's environment before the sandbox starts; must never come back.
pub const SECRET: &str = "AKIAIOSFODNN7-code-remote-planted-secret";

/// Python-level layer on: the validator, restricted builtins and import hook.
pub const GUARDED: bool = true;
/// Python-level layer off: only the operating-system layers stand.
pub const BYPASSED: bool = false;

/// ctypes helpers for attacks that talk to the kernel directly.
pub const CTYPES: &str = r#"
import ctypes, os, errno
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def sc(nr, *args):
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    return r, errno.errorcode.get(ctypes.get_errno(), ctypes.get_errno())
"#;

/// Starts a sandbox with the secret planted in this (host) process's environment.
pub async fn sandbox(python_layer: bool) -> Sandbox {
    sandbox_with(python_layer, FileConfinement::Auto).await
}

/// Like [`sandbox`], with the file-confinement layer chosen.
pub async fn sandbox_with(python_layer: bool, files: FileConfinement) -> Sandbox {
    std::env::set_var("AWS_SECRET_ACCESS_KEY", SECRET);
    std::env::set_var("CODE_REMOTE_DB_PASSWORD", SECRET);
    let config = SandboxConfig {
        python_layer,
        files,
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await.expect("the sandbox starts");
    println!("layers: {}", sandbox.layers());
    sandbox
}

/// Runs `code` and checks the secret appears nowhere in the result.
pub async fn run(sandbox: &Sandbox, code: &str, timeout_secs: f64) -> ExecutionResult {
    let result = sandbox
        .execute(code, Duration::from_secs_f64(timeout_secs))
        .await;
    println!(
        "result: {}",
        serde_json::to_string(&result).expect("serializable")
    );
    let everything = serde_json::to_string(&result).expect("serializable");
    assert!(!everything.contains(SECRET), "the planted secret leaked");
    assert!(
        !everything.contains("AKIAIOSFODNN7"),
        "part of the planted secret leaked"
    );
    result
}

/// Like [`run`], also returning the wall time the caller waited.
pub async fn timed(
    sandbox: &Sandbox,
    code: &str,
    timeout_secs: f64,
) -> (ExecutionResult, Duration) {
    let started = Instant::now();
    let result = run(sandbox, code, timeout_secs).await;
    (result, started.elapsed())
}

/// The host is unharmed: the next execution works and the zygote still answers.
pub async fn assert_unharmed(sandbox: &Sandbox) {
    let next = sandbox
        .execute("print('still fine')", Duration::from_secs(10))
        .await;
    assert!(next.success, "the next execution failed: {next:?}");
    assert_eq!(next.stdout, "still fine\n");
    assert!(sandbox.zygote_pid().await.is_some());
}

/// Starts the message of every assertion that a file-confinement layer (Landlock or the
/// seccomp supervisor) must make hold, so a failure says which layer gave way.
pub const FILE_CONFINEMENT: &str = "file confinement";

/// Where [`has_layer`] also appends its note, so a run that hides passing tests' output (as
/// nextest does) can still list the weaker assertions.
pub const WEAKER_ASSERTIONS_LOG: &str = "CODE_REMOTE_SANDBOX_WEAKER_ASSERTIONS_LOG";

/// True when the layer exists here; otherwise says so, so the test does not pass silently.
pub fn has_layer(sandbox: &Sandbox, layer: &str) -> bool {
    let missing = sandbox.layers().missing();
    if missing.contains(&layer) {
        let test = std::thread::current().name().unwrap_or("?").to_owned();
        println!("LAYER MISSING ON THIS HOST: {layer}; only the weaker assertion is checked");
        if let Some(path) = std::env::var_os(WEAKER_ASSERTIONS_LOG) {
            let mut log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .expect("the weaker-assertions log opens");
            writeln!(
                log,
                "{test}: {layer} missing, only the weaker assertion is checked"
            )
            .expect("the weaker-assertions log is writable");
        }
        false
    } else {
        true
    }
}

/// Asserts a failed result with this error type.
pub fn assert_error(result: &ExecutionResult, error_type: &str) {
    assert!(!result.success, "expected failure: {result:?}");
    assert_eq!(result.error_type.as_deref(), Some(error_type), "{result:?}");
}

/// Asserts the validator refused the code without running it, with `message` among the violations.
pub fn assert_refused(result: &ExecutionResult, message: &str) {
    assert_error(result, "SecurityError");
    assert_eq!(result.error.as_deref(), Some("Security validation failed"));
    assert!(result.stdout.is_empty());
    assert!(
        result
            .security_violations
            .iter()
            .any(|v| v.message == message),
        "no violation {message:?} in {:?}",
        result.security_violations
    );
}
