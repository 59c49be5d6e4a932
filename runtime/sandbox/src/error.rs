//! Errors of the sandbox itself (never of the user's code, which becomes an
//! [`ExecutionResult`](crate::ExecutionResult)).

use std::io;

/// Why the sandbox could not start or could not run an execution.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The interpreter or bubblewrap could not be spawned.
    #[error("cannot start the zygote `{program}`: {source}; check `python` and `bwrap` in the sandbox config")]
    Spawn {
        /// The program that failed to start.
        program: String,
        /// What the operating system said.
        source: io::Error,
    },
    /// The zygote did not answer its handshake.
    #[error("the zygote did not complete its handshake: {0}")]
    Handshake(String),
    /// The zygote started but a probe execution failed, so a layer cannot be applied.
    #[error("the sandbox probe failed ({0}); run `sandbox layers` to see which layer is missing")]
    Probe(String),
    /// A system call the host needs failed.
    #[error("{what} failed: {source}")]
    Io {
        /// The operation that failed.
        what: &'static str,
        /// What the operating system said.
        source: io::Error,
    },
    /// The configuration cannot work.
    #[error("invalid sandbox configuration: {0}")]
    Config(String),
    /// No file-confinement layer works on this host and the configuration did not accept that.
    #[error("no file-confinement layer works here: {0}; only where Unix permissions are enough, choose `files: none` (SANDBOX_FILE_CONFINEMENT=none)")]
    NoFileConfinement(String),
    /// The zygote went away; the next execution restarts it.
    #[error("the zygote exited; it is restarted on the next execution")]
    ZygoteGone,
}

impl SandboxError {
    pub(crate) fn io(what: &'static str, source: io::Error) -> Self {
        Self::Io { what, source }
    }
}
