//! Configuration of a [`Sandbox`](crate::Sandbox): every limit with its default.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::files::FileConfinement;

/// The import allowlist (top-level module names) of the Python layer.
pub const DEFAULT_ALLOWED_MODULES: &[&str] = &[
    "math",
    "cmath",
    "decimal",
    "fractions",
    "random",
    "statistics",
    "collections",
    "heapq",
    "bisect",
    "array",
    "itertools",
    "functools",
    "operator",
    "string",
    "re",
    "textwrap",
    "json",
    "csv",
    "datetime",
    "calendar",
    "time",
    "typing",
    "dataclasses",
    "copy",
    "pprint",
    "enum",
    "abc",
];

/// Directories (besides the interpreter's own standard library) a child may read.
pub const DEFAULT_READ_PATHS: &[&str] = &[
    "/usr/lib",
    "/usr/lib64",
    "/lib",
    "/lib64",
    "/usr/share/zoneinfo",
    "/etc/localtime",
];

/// The uid and gid children drop to when the sandbox runs as root: one no account uses, so
/// they share nothing with `nobody` (which other services run as, PostgreSQL of the local
/// stack among them) or any other process of the host.
pub const CHILD_ID: u32 = 64_000;

/// How the sandbox is built; start from `SandboxConfig::default()` and change what differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SandboxConfig {
    /// The interpreter (Debian's system Python, not a user-level build that may differ per machine).
    pub python: PathBuf,
    /// bubblewrap, used for namespaces when it exists and works on this host.
    pub bwrap: PathBuf,
    /// Whether to try namespaces at all (a host without them falls back and reports it).
    pub namespaces: bool,
    /// Which layer confines a child's files (docs/sandbox.md, "File confinement").
    pub files: FileConfinement,
    /// Executions running at once; further calls wait in a FIFO queue.
    pub max_concurrency: usize,
    /// Upper bound for a requested timeout (docs/api.md: up to 30 s).
    pub max_timeout: Duration,
    /// RLIMIT_AS of a child.
    pub memory_bytes: u64,
    /// Stack size of each thread a child starts (its main thread keeps RLIMIT_STACK); small
    /// enough that `memory_bytes` of address space holds `processes` threads.
    pub thread_stack_bytes: u64,
    /// RLIMIT_FSIZE of a child.
    pub file_size_bytes: u64,
    /// Files and directories one run may create where the supervisor confines files (with
    /// `file_size_bytes`, this bounds the disk a run can fill; Landlock runs under bubblewrap
    /// are bounded by their tmpfs instead).
    pub max_new_files: u32,
    /// RLIMIT_NOFILE of a child.
    pub open_files: u64,
    /// RLIMIT_NPROC of a child (threads count; new processes are denied by seccomp anyway).
    pub processes: u64,
    /// Bytes kept of stdout and of stderr each; the rest is drained and discarded.
    pub output_limit_bytes: usize,
    /// Largest accepted source, in bytes.
    pub max_code_bytes: usize,
    /// The unprivileged uid a child runs as when the sandbox runs as root.
    pub uid: u32,
    /// The unprivileged gid a child runs as when the sandbox runs as root.
    pub gid: u32,
    /// Top-level modules user code may import.
    pub allowed_modules: Vec<String>,
    /// Paths a child may read (Landlock or the supervisor; the standard library is always added).
    pub read_paths: Vec<PathBuf>,
    /// Where private working directories are created (inside the namespace when there is one).
    pub tmp_base: PathBuf,
    /// Size of the private `/tmp` tmpfs under bubblewrap, shared by concurrent executions.
    pub tmp_size_bytes: u64,
    /// The Python-level validator, restricted builtins and import hook. Only the attack tests
    /// turn it off, to prove the OS layers hold on their own; never disable it in production.
    pub python_layer: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            python: PathBuf::from("/usr/bin/python3"),
            bwrap: PathBuf::from("/usr/bin/bwrap"),
            namespaces: true,
            files: FileConfinement::Auto,
            max_concurrency: 8,
            max_timeout: Duration::from_secs(30),
            memory_bytes: 256 << 20,
            thread_stack_bytes: 2 << 20,
            file_size_bytes: 1 << 20,
            max_new_files: 256,
            open_files: 64,
            processes: 64,
            output_limit_bytes: 64 << 10,
            max_code_bytes: 128 << 10,
            uid: CHILD_ID,
            gid: CHILD_ID,
            allowed_modules: DEFAULT_ALLOWED_MODULES
                .iter()
                .map(|m| (*m).to_owned())
                .collect(),
            read_paths: DEFAULT_READ_PATHS.iter().map(PathBuf::from).collect(),
            tmp_base: PathBuf::from("/tmp/code-remote-sandbox"),
            tmp_size_bytes: 256 << 20,
            python_layer: true,
        }
    }
}

impl SandboxConfig {
    /// The defaults with a deployment's overrides: the interpreter (`SANDBOX_PYTHON`) and
    /// the file-confinement layer by name (`SANDBOX_FILE_CONFINEMENT`: auto, landlock,
    /// supervisor or none).
    pub fn with_overrides(
        python: Option<PathBuf>,
        files: Option<&str>,
    ) -> Result<Self, crate::SandboxError> {
        let mut config = Self::default();
        if let Some(python) = python {
            config.python = python;
        }
        if let Some(files) = files {
            config.files = files.parse().map_err(crate::SandboxError::Config)?;
        }
        Ok(config)
    }

    /// Refuses values that cannot work, naming the offending key.
    pub(crate) fn check(&self) -> Result<(), crate::SandboxError> {
        let bad = |key: &str| {
            Err(crate::SandboxError::Config(format!(
                "`{key}` is out of range"
            )))
        };
        if self.max_concurrency == 0 {
            return bad("max_concurrency");
        }
        if self.max_timeout.is_zero() {
            return bad("max_timeout");
        }
        if self.memory_bytes < 32 << 20 {
            return bad("memory_bytes");
        }
        if !(256 << 10..=64 << 20).contains(&self.thread_stack_bytes) {
            return bad("thread_stack_bytes");
        }
        if self.open_files < 8 {
            return bad("open_files");
        }
        if self.processes == 0 {
            return bad("processes");
        }
        if self.uid == 0 || self.gid == 0 {
            return bad("uid/gid");
        }
        if self
            .allowed_modules
            .iter()
            .any(|m| m.is_empty() || !m.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            return bad("allowed_modules");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The uid of an account, if this host has it.
    fn account_uid(name: &std::ffi::CStr) -> Option<u32> {
        // SAFETY: getpwnam reads a valid C string; the entry is read before any other call
        // could reuse its static buffer.
        unsafe {
            let entry = libc::getpwnam(name.as_ptr());
            (!entry.is_null()).then(|| (*entry).pw_uid)
        }
    }

    #[test]
    fn children_of_a_root_host_share_no_accounts_uid() {
        let config = SandboxConfig::default();
        assert_eq!((config.uid, config.gid), (CHILD_ID, CHILD_ID));
        if let Some(nobody) = account_uid(c"nobody") {
            assert_ne!(config.uid, nobody, "nobody runs other services");
        }
        // SAFETY: getpwuid with any uid; a null answer means no account has it.
        let owner = unsafe { libc::getpwuid(config.uid) };
        assert!(owner.is_null(), "uid {} belongs to an account", config.uid);
    }

    #[test]
    fn overrides_name_what_is_wrong() {
        let error = SandboxConfig::with_overrides(None, Some("landlok"))
            .expect_err("a misspelt layer is refused");
        assert!(error.to_string().contains("`landlok`"), "{error}");
        let config = SandboxConfig::with_overrides(Some("/bin/python".into()), Some("none"))
            .expect("valid overrides");
        assert_eq!(config.files, FileConfinement::None);
        assert_eq!(config.python, PathBuf::from("/bin/python"));
    }
}
