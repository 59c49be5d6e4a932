//! The host's side of the fork server: spawning it (under bubblewrap where that works),
//! the start-up handshake, and the control socket that carries run requests out and
//! `started`/`exited` events back.
//!
//! Lifetime: the zygote exits when its control socket reaches end of stream, which the
//! kernel guarantees when the host dies or drops the handle (the handle also shuts the
//! socket down and kills the process). Under bubblewrap the zygote's exit ends the PID
//! namespace and every child in it, and `--die-with-parent` ties the zygote to bubblewrap
//! (and bubblewrap to the tokio worker thread that spawned it: if such a thread ever went
//! away the zygote would die and simply be restarted). Without bubblewrap each child holds
//! a parent-death signal on the zygote.

use std::collections::HashMap;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use crate::config::SandboxConfig;
use crate::files::supervisor::{self, Identity};
use crate::files::{self, ReadRoots};
use crate::seccomp::SeccompProgram;
use crate::{sys, SandboxError};

/// The Python program, assembled from its parts in dependency order.
const PROGRAM: [&str; 5] = [
    include_str!("python/prelude.py"),
    include_str!("python/confine.py"),
    include_str!("python/guard.py"),
    include_str!("python/runner.py"),
    include_str!("python/zygote.py"),
];

/// Compiles the program under its own file name, so tracebacks can tell its frames from
/// the user's (`<string>`).
const BOOTSTRAP: &str = "import sys; exec(compile(sys.argv.pop(), '<sandbox>', 'exec'))";

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a zygote whose socket closed may take to kill its runs and remove their
/// directories before it is killed.
const ZYGOTE_EXIT_GRACE: Duration = Duration::from_secs(3);
const MAX_EVENT_BYTES: usize = 64 << 10;

/// What the zygote reports about itself once it is ready.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Hello {
    /// Landlock ABI the zygote will apply (0: none).
    pub landlock_abi: u32,
    /// The interpreter's version.
    pub python: String,
    /// Its effective uid (0: children drop to the configured uid).
    pub euid: u32,
    /// Everything a child may read: the configured paths and the interpreter's own.
    pub read_paths: Vec<PathBuf>,
}

/// How the zygote's children confine their files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Files {
    /// Each child applies Landlock.
    Landlock,
    /// Each child hands its path-taking calls to a supervisor in the host.
    Supervised,
    /// Nothing (explicitly accepted).
    Unconfined,
}

/// A zygote event about one execution.
#[derive(Debug)]
pub(crate) enum Event {
    /// The child exists; the pidfd lets the host kill it without asking the zygote.
    Started(OwnedFd),
    /// The zygote could not fork.
    Failed(String),
    /// The child was reaped, with its exit code (negative: killed by that signal).
    Exited(i32),
}

#[derive(Debug, Deserialize)]
struct RawEvent {
    event: String,
    id: Option<u64>,
    status: Option<i32>,
    error: Option<String>,
}

type Waiters = Mutex<HashMap<u64, mpsc::UnboundedSender<Event>>>;

/// State shared with the task that reads the control socket.
struct Shared {
    control: AsyncFd<OwnedFd>,
    waiters: Waiters,
    alive: AtomicBool,
}

/// A running zygote.
pub(crate) struct Zygote {
    shared: Arc<Shared>,
    next_id: AtomicU64,
    process: Mutex<Option<Child>>,
    /// Its handshake.
    pub hello: Hello,
    /// True when it runs inside bubblewrap's namespaces.
    pub namespaces: bool,
    /// How its children confine their files.
    pub files: Files,
    /// What the supervisor lets every child read (resolved from the handshake).
    pub read_roots: Arc<ReadRoots>,
    /// The uid and gid children drop to when the zygote is root.
    child_ids: (u32, u32),
    /// Files and directories a supervised run may create.
    max_new_files: u32,
}

/// One submitted execution: its events, and its waiter removed on drop.
pub(crate) struct Submission {
    /// The run id shared with the zygote.
    pub id: u64,
    zygote: Arc<Zygote>,
    /// Events from the zygote; closed if the zygote dies.
    pub events: mpsc::UnboundedReceiver<Event>,
}

impl Drop for Submission {
    fn drop(&mut self) {
        self.zygote.waiters().remove(&self.id);
    }
}

impl Zygote {
    /// Starts a zygote, under bubblewrap when configured and working (and not supervised:
    /// the supervisor resolves paths in the host's mount namespace), else directly.
    pub(crate) async fn spawn(
        config: &SandboxConfig,
        program: &SeccompProgram,
        files: Files,
    ) -> Result<Arc<Self>, SandboxError> {
        if config.namespaces && config.bwrap.exists() && files != Files::Supervised {
            match Self::spawn_with(config, program, files, true).await {
                Ok(zygote) => return Ok(zygote),
                Err(error) => {
                    tracing::warn!(%error, "bubblewrap unusable here; running without namespaces")
                }
            }
        }
        Self::spawn_with(config, program, files, false).await
    }

    async fn spawn_with(
        config: &SandboxConfig,
        program: &SeccompProgram,
        files: Files,
        namespaces: bool,
    ) -> Result<Arc<Self>, SandboxError> {
        let (host_end, zygote_end) =
            sys::seqpacket_pair().map_err(|e| SandboxError::io("socketpair", e))?;
        let script = PROGRAM.concat();
        let mut command = if namespaces {
            let mut command = Command::new(&config.bwrap);
            command
                .args(bwrap_args(config))
                .arg("--")
                .arg(&config.python);
            command
        } else {
            Command::new(&config.python)
        };
        command
            .args(["-I", "-S", "-B", "-c", BOOTSTRAP, &script])
            .env_clear()
            // One malloc arena per thread would reserve 64 MiB of address space each, and the
            // address-space limit would then stop a child at about five threads.
            .env("MALLOC_ARENA_MAX", "2")
            .current_dir("/")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let raw = zygote_end.as_raw_fd();
        // SAFETY: the closure only calls dup2/fcntl, which are async-signal-safe.
        unsafe {
            command.pre_exec(move || sys::install_as_fd3(raw));
        }
        let program_name = if namespaces {
            &config.bwrap
        } else {
            &config.python
        };
        let mut child = command.spawn().map_err(|source| SandboxError::Spawn {
            program: program_name.display().to_string(),
            source,
        })?;
        drop(zygote_end);
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    tracing::warn!(target: "sandbox::zygote", "{line}");
                }
            });
        }
        sys::set_nonblocking(host_end.as_fd(), true).map_err(|e| SandboxError::io("fcntl", e))?;
        // SAFETY: an OwnedFd stays open and keeps its descriptor number for as long as the
        // AsyncFd owns it.
        let control = unsafe { AsyncFd::register(host_end) }
            .map_err(|e| SandboxError::io("register control socket", e.into()))?;
        let shared = Arc::new(Shared {
            control,
            waiters: Mutex::new(HashMap::new()),
            alive: AtomicBool::new(true),
        });
        let settings = json!({
            "allowed_modules": config.allowed_modules,
            "python_layer": config.python_layer,
            "uid": config.uid,
            "gid": config.gid,
            "memory_bytes": config.memory_bytes,
            "file_size_bytes": config.file_size_bytes,
            "thread_stack_bytes": config.thread_stack_bytes,
            "open_files": config.open_files,
            "processes": config.processes,
            "seccomp": to_hex(&program.to_bytes()),
            "pid_slots": program.pid_slots(),
            "landlock": files == Files::Landlock,
            "supervised": files == Files::Supervised,
            "seccomp_nr": libc::SYS_seccomp,
            "read_paths": config.read_paths,
            "read_devices": files::READ_DEVICES,
            "write_devices": files::WRITE_DEVICES,
            "tmp_base": config.tmp_base,
        })
        .to_string();
        shared.send(settings.as_bytes(), &[]).await?;
        let hello = tokio::time::timeout(HANDSHAKE_TIMEOUT, shared.receive())
            .await
            .map_err(|_| SandboxError::Handshake("no answer in time".into()))??;
        let hello: Hello = match hello {
            Some((bytes, _)) => serde_json::from_slice(&bytes)
                .map_err(|e| SandboxError::Handshake(e.to_string()))?,
            None => {
                let status = child.wait().await.ok();
                return Err(SandboxError::Handshake(format!(
                    "the zygote exited ({status:?})"
                )));
            }
        };
        tokio::spawn(read_events(Arc::clone(&shared)));
        let read_roots = Arc::new(ReadRoots::resolve(&hello.read_paths));
        Ok(Arc::new(Self {
            shared,
            next_id: AtomicU64::new(1),
            process: Mutex::new(Some(child)),
            hello,
            namespaces,
            files,
            read_roots,
            child_ids: (config.uid, config.gid),
            max_new_files: config.max_new_files,
        }))
    }

    fn waiters(&self) -> std::sync::MutexGuard<'_, HashMap<u64, mpsc::UnboundedSender<Event>>> {
        self.shared
            .waiters
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// False once the control socket has closed; the sandbox then starts a new zygote.
    pub(crate) fn is_alive(&self) -> bool {
        self.shared.alive.load(Ordering::Acquire)
    }

    /// Asks for one execution; `pipes` are the child's stdout, stderr, status and code ends.
    /// A supervised child also gets one end of a socket pair, the other end going to the
    /// run's file supervisor.
    pub(crate) async fn submit(
        self: &Arc<Self>,
        timeout: Duration,
        pipes: [OwnedFd; 4],
    ) -> Result<Submission, SandboxError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let handover = if self.files == Files::Supervised {
            let (host, child) =
                sys::seqpacket_pair().map_err(|e| SandboxError::io("socketpair", e))?;
            let identity = (self.hello.euid == 0).then_some(Identity {
                uid: self.child_ids.0,
                gid: self.child_ids.1,
            });
            let zygote = Arc::clone(self);
            supervisor::spawn(
                host,
                Arc::clone(&self.read_roots),
                self.max_new_files,
                identity,
                Box::new(move || zygote.release(id)),
            )
            .map_err(|e| SandboxError::io("spawn the file supervisor", e))?;
            Some(child)
        } else {
            None
        };
        let (sender, events) = mpsc::unbounded_channel();
        self.waiters().insert(id, sender);
        let submission = Submission {
            id,
            zygote: Arc::clone(self),
            events,
        };
        let request =
            json!({"op": "run", "id": id, "timeout": timeout.as_secs_f64().ceil()}).to_string();
        let fds: Vec<_> = pipes
            .iter()
            .chain(handover.as_ref())
            .map(|fd| fd.as_fd())
            .collect();
        self.shared.send(request.as_bytes(), &fds).await?;
        Ok(submission)
    }

    /// Asks the zygote to kill a run's process group (the host also uses the pidfd).
    pub(crate) fn kill_group(&self, id: u64) {
        self.tell("kill", id);
    }

    /// Tells the zygote a supervised run's file supervisor has ended, so its directory may
    /// be removed (once the run is also reaped).
    pub(crate) fn release(&self, id: u64) {
        self.tell("release", id);
    }

    fn tell(&self, op: &str, id: u64) {
        let request = json!({"op": op, "id": id}).to_string();
        if let Err(error) = sys::send_message(
            self.shared.control.get_ref().as_fd(),
            request.as_bytes(),
            &[],
        ) {
            tracing::warn!(%error, op, "cannot send to the zygote");
        }
    }

    /// Closes the control socket, on which the zygote kills its runs, removes their
    /// directories and exits; a zygote that has not exited a few seconds later is killed.
    pub(crate) fn shutdown(&self) {
        // SAFETY: shutdown on a socket we own; no memory is passed.
        unsafe {
            libc::shutdown(self.shared.control.get_ref().as_raw_fd(), libc::SHUT_RDWR);
        }
        let taken = self
            .process
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(mut child) = taken {
            let reaper = std::thread::Builder::new()
                .name("sandbox-zygote-exit".into())
                .spawn(move || {
                    let deadline = std::time::Instant::now() + ZYGOTE_EXIT_GRACE;
                    while std::time::Instant::now() < deadline {
                        if !matches!(child.try_wait(), Ok(None)) {
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    if let Err(error) = child.start_kill() {
                        tracing::debug!(%error, "zygote already gone");
                    }
                });
            if let Err(error) = reaper {
                tracing::warn!(%error, "cannot wait for the zygote to exit; it exits on its own");
            }
        }
    }

    /// The zygote's process id in the host's namespace (for tests that kill it).
    pub(crate) fn pid(&self) -> Option<u32> {
        self.process
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .and_then(Child::id)
    }
}

impl Drop for Zygote {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Shared {
    async fn send(
        &self,
        data: &[u8],
        fds: &[std::os::fd::BorrowedFd<'_>],
    ) -> Result<(), SandboxError> {
        loop {
            let mut guard = self
                .control
                .writable()
                .await
                .map_err(|e| SandboxError::io("control socket", e))?;
            match guard.try_io(|inner| sys::send_message(inner.get_ref().as_fd(), data, fds)) {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(error)) => {
                    tracing::warn!(%error, "zygote control socket failed");
                    self.alive.store(false, Ordering::Release);
                    return Err(SandboxError::ZygoteGone);
                }
                Err(_would_block) => continue,
            }
        }
    }

    /// The next message, or `None` at end of stream.
    async fn receive(&self) -> Result<Option<(Vec<u8>, Vec<OwnedFd>)>, SandboxError> {
        let mut buffer = vec![0u8; MAX_EVENT_BYTES];
        loop {
            let mut guard = self
                .control
                .readable()
                .await
                .map_err(|e| SandboxError::io("control socket", e))?;
            match guard.try_io(|inner| sys::recv_message(inner.get_ref().as_fd(), &mut buffer)) {
                Ok(Ok((0, _))) => return Ok(None),
                Ok(Ok((length, fds))) => return Ok(Some((buffer[..length].to_vec(), fds))),
                Ok(Err(error)) => return Err(SandboxError::io("receive from zygote", error)),
                Err(_would_block) => continue,
            }
        }
    }
}

/// Routes zygote events to the waiting executions until the socket closes.
async fn read_events(shared: Arc<Shared>) {
    loop {
        let message = match shared.receive().await {
            Ok(Some(message)) => message,
            Ok(None) => break,
            Err(error) => {
                tracing::warn!(%error, "zygote control socket failed");
                break;
            }
        };
        let (bytes, mut fds) = message;
        let raw: RawEvent = match serde_json::from_slice(&bytes) {
            Ok(raw) => raw,
            Err(error) => {
                tracing::warn!(%error, "unreadable zygote event");
                continue;
            }
        };
        let event = match (raw.event.as_str(), raw.status, fds.pop()) {
            ("started", _, Some(pidfd)) => Event::Started(pidfd),
            ("exited", Some(status), _) => Event::Exited(status),
            ("failed", _, _) => Event::Failed(raw.error.unwrap_or_default()),
            _ => {
                tracing::warn!(event = raw.event, "unexpected zygote event");
                continue;
            }
        };
        let waiters = shared
            .waiters
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = raw.id.and_then(|id| waiters.get(&id)) {
            // A receiver that went away simply no longer cares.
            let _ = sender.send(event);
        }
    }
    shared.alive.store(false, Ordering::Release);
    shared
        .waiters
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clear();
}

fn bwrap_args(config: &SandboxConfig) -> Vec<String> {
    let mut args: Vec<String> = [
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--size",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    args.push(config.tmp_size_bytes.to_string());
    args.extend(
        [
            "--tmpfs",
            "/tmp",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-pid",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--new-session",
            "--die-with-parent",
            "--chdir",
            "/",
        ]
        .into_iter()
        .map(String::from),
    );
    if sys::effective_uid() == 0 {
        args.extend(["--cap-drop", "ALL"].into_iter().map(String::from));
        for capability in [
            "CAP_SETUID",
            "CAP_SETGID",
            "CAP_CHOWN",
            "CAP_DAC_OVERRIDE",
            "CAP_FOWNER",
            "CAP_KILL",
        ] {
            args.extend(["--cap-add".to_owned(), capability.to_owned()]);
        }
    }
    args
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
