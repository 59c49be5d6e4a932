//! Runs untrusted Python 3 for the execution worker and `POST /execute`, contained by the
//! operating system rather than by Python-level checks (the original system's AST check and
//! restricted builtins were escaped; docs/sandbox.md has the layers and their reasons).
//!
//! # Design
//! A *zygote* (fork server) is one Python interpreter started once, under bubblewrap where
//! the host allows namespaces (`--unshare-net/ipc/pid/uts`, read-only `/`, private tmpfs
//! `/tmp`, minimal `/dev`, fresh `/proc`, new session, all capabilities dropped but the few
//! it needs to create and hand over per-run directories). It pre-imports the allowlisted
//! modules and freezes its heap, so interpreter start-up is off the hot path.
//!
//! Per execution the host creates four pipes (stdout, stderr, status, code) and passes them
//! to the zygote over a SOCK_SEQPACKET socket with SCM_RIGHTS. The zygote creates a private
//! working directory, forks, and hands the host a pidfd of the child. The child, before any
//! user code exists in it, applies in order: new session and process group; its pipes as
//! fds 0-3 and every other descriptor closed (the control socket included); the private
//! working directory; empty environment; rlimits (CPU = timeout + 1 s, address space,
//! file size, open files, processes, no core); uid/gid 64000 (no account's) with no supplementary groups
//! and a check that no capability is left (or, when already unprivileged as in Lambda, a
//! check of the same); a parent-death signal; `PR_SET_NO_NEW_PRIVS`; Landlock (writes only
//! in its directory, reads only of the interpreter's libraries, no TCP, no signals or
//! abstract sockets outside its domain); and last the seccomp filter built by
//! [`seccomp::SeccompProgram`] in Rust, which where Landlock is missing also hands its
//! path-taking calls to a supervisor thread in the host (see Known limits). `ctypes`, used for the last two, is then dropped from
//! `sys.modules`. Only then does it validate and run the code (which it read from its pipe as
//! plain bytes before confining itself). Any failure in
//! that sequence aborts the child: user code never runs with a layer silently missing.
//!
//! Where the host is not root (as in Lambda) children keep its uid, so the zygote (and with
//! it every child) and the host make themselves non-dumpable before the first execution: a
//! child can then neither ptrace them nor open their memory, environment or descriptors
//! through /proc.
//!
//! The host owns the wall-clock timer (so it works across the PID namespace): when it fires
//! it kills the child through the pidfd and asks the zygote to kill the process group (the
//! child cannot create other processes, so the group is the child). RLIMIT_CPU is the
//! backstop. stdout and stderr are drained by the host, keeping the first
//! `output_limit_bytes` and discarding the rest, so a child is never blocked or killed for
//! printing. The zygote survives anything a child does (it never runs user input), and when
//! it dies anyway the next execution starts a new one.
//!
//! The Python-level layer (AST validator with the original messages, restricted builtins,
//! guarded `__import__`) runs inside the confined child, as defence in depth and for
//! friendly errors; [`SandboxConfig::python_layer`] turns it off so tests can prove the OS
//! layers hold alone.

//!
//! # Known limits
//! - The seccomp filter is a deny list over a default of allow (an allow list of the
//!   syscalls CPython needs would be stricter but breaks on interpreter or glibc updates).
//! - Children share the zygote's string-hash seed (fixed when the interpreter starts); the
//!   `random` module is reseeded per child.
//! - Children of concurrent executions share one uid and so RLIMIT_NPROC; their private
//!   directories are kept apart by Landlock (and, where it is absent and the host is root,
//!   by unguessable names in a directory children cannot list).
//! - Without bubblewrap the private directories live on the host's disk, bounded only by
//!   RLIMIT_FSIZE per file and the timeout; under bubblewrap a sized tmpfs bounds them.
//! - Where Landlock is missing (as in Lambda) files are confined by the host's seccomp
//!   supervisor ([`FileConfinement::Supervisor`], docs/sandbox.md "File confinement"): every
//!   path-taking call of a child is performed by the host after a check. It needs Linux 5.14
//!   and runs without bubblewrap; the sandbox refuses to start when no file-confinement
//!   layer works, unless configured with [`FileConfinement::None`].
//! - Without a PID namespace a child sees every process in /proc; those of its own uid other
//!   than the host and the zygote are as exposed as their own dumpability leaves them.

#![deny(missing_docs)]

pub mod bench;
mod config;
mod error;
mod execution;
mod files;
mod layers;
mod result;
mod sandbox;
pub mod seccomp;
mod sys;
mod zygote;

pub use config::{SandboxConfig, DEFAULT_ALLOWED_MODULES, DEFAULT_READ_PATHS};
pub use error::SandboxError;
pub use files::{FileConfinement, FileLayer};
pub use layers::{Identity, Layers};
pub use result::{ExecutionResult, OutputSize, SecurityViolation, StreamSize};
pub use sandbox::Sandbox;
