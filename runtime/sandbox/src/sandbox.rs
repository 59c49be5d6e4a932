//! The public entry point: a shared, bounded pool of executions over one zygote that is
//! restarted whenever it dies.

use std::future::Future;
use std::sync::Arc;

use futures_util::FutureExt;
use std::time::Duration;

use tokio::sync::{Mutex, Semaphore};

use crate::config::SandboxConfig;
use crate::execution::{self, Applied};
use crate::files::{self, FileConfinement, FileLayer};
use crate::layers::{Identity, Layers};
use crate::result::ExecutionResult;
use crate::seccomp::SeccompProgram;
use crate::zygote::{Files, Zygote};
use crate::{sys, SandboxError};

/// Runs untrusted Python; cheap to clone and safe to share between tasks.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

struct Inner {
    config: SandboxConfig,
    program: SeccompProgram,
    files: Files,
    permits: Semaphore,
    zygote: Mutex<Arc<Zygote>>,
    layers: Layers,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("layers", &self.inner.layers)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts the zygote, runs a probe through every layer and records which are active.
    ///
    /// When this process is not root (as in Lambda) its children run under its own uid, so it
    /// first makes itself non-dumpable: a child could otherwise read its memory and
    /// environment, or its descriptors, through /proc. That lasts for the process's lifetime.
    ///
    /// Refuses to start when no file-confinement layer works, unless the configuration says
    /// [`FileConfinement::None`].
    pub async fn start(config: SandboxConfig) -> Result<Self, SandboxError> {
        config.check()?;
        if sys::effective_uid() != 0 {
            sys::set_non_dumpable().map_err(|e| SandboxError::io("prctl(PR_SET_DUMPABLE)", e))?;
        }
        let files = plan_files(config.files)?;
        let program = match files {
            Files::Supervised => SeccompProgram::supervised(&files::supervised_syscalls()),
            Files::Landlock | Files::Unconfined => SeccompProgram::build(),
        };
        let zygote = Zygote::spawn(&config, &program, files).await?;
        let (probe, applied) = execution::execute(
            &zygote,
            "pass",
            Duration::from_secs(10),
            1024,
            std::future::pending(),
        )
        .await?;
        let applied = match (probe.success, applied) {
            (true, Some(applied)) => applied,
            _ => {
                let error = probe.error.unwrap_or_else(|| "no status".into());
                return Err(if files == Files::Supervised {
                    SandboxError::NoFileConfinement(format!(
                        "the seccomp file supervisor does not work here: {error}"
                    ))
                } else {
                    SandboxError::Probe(error)
                });
            }
        };
        let layers = measured_layers(&config, &zygote, &applied);
        tracing::info!(layers = %layers, "sandbox started");
        Ok(Self {
            inner: Arc::new(Inner {
                permits: Semaphore::new(config.max_concurrency),
                config,
                program,
                files,
                zygote: Mutex::new(zygote),
                layers,
            }),
        })
    }

    /// Runs `code` with a wall-clock `timeout` (capped at `max_timeout`), waiting for a free
    /// slot first. Failures of the sandbox itself come back as `error_type: "SandboxError"`.
    pub async fn execute(&self, code: &str, timeout: Duration) -> ExecutionResult {
        self.execute_until(code, timeout, std::future::pending())
            .await
    }

    /// [`Sandbox::execute`], stopped early when `stop` completes (a user's Stop): the child is
    /// killed and the result has `cancelled: true`, `error_type: "Cancelled"` and the output
    /// written until then. A run stopped while it waits for a slot never starts.
    pub async fn execute_until(
        &self,
        code: &str,
        timeout: Duration,
        stop: impl Future<Output = ()>,
    ) -> ExecutionResult {
        if timeout.is_zero() {
            return ExecutionResult::failure(
                "timeout_seconds must be greater than 0",
                "ValueError",
            );
        }
        if code.len() > self.inner.config.max_code_bytes {
            return ExecutionResult::failure(
                format!(
                    "code is larger than {} bytes",
                    self.inner.config.max_code_bytes
                ),
                "ValueError",
            );
        }
        let timeout = timeout.min(self.inner.config.max_timeout);
        let mut stop = std::pin::pin!(stop.fuse());
        let _permit = tokio::select! {
            biased;
            () = &mut stop => return ExecutionResult::cancelled_before_start(),
            permit = self.inner.permits.acquire() => match permit {
                Ok(permit) => permit,
                Err(_) => {
                    return ExecutionResult::failure("the sandbox is shutting down", "SandboxError")
                }
            },
        };
        let mut last_error = SandboxError::ZygoteGone;
        for _attempt in 0..2 {
            let zygote = match self.live_zygote().await {
                Ok(zygote) => zygote,
                Err(error) => {
                    last_error = error;
                    continue;
                }
            };
            match execution::execute(
                &zygote,
                code,
                timeout,
                self.inner.config.output_limit_bytes,
                &mut stop,
            )
            .await
            {
                Ok((result, _)) => return result,
                Err(error) => last_error = error,
            }
        }
        tracing::error!(error = %last_error, "sandbox execution failed");
        ExecutionResult::failure(last_error.to_string(), "SandboxError")
    }

    /// The layers measured at start-up.
    pub fn layers(&self) -> &Layers {
        &self.inner.layers
    }

    /// The configuration this sandbox runs with.
    pub fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    /// The zygote's pid in the host's PID namespace, for diagnostics and restart tests.
    pub async fn zygote_pid(&self) -> Option<u32> {
        self.inner.zygote.lock().await.pid()
    }

    async fn live_zygote(&self) -> Result<Arc<Zygote>, SandboxError> {
        let mut current = self.inner.zygote.lock().await;
        if !current.is_alive() {
            tracing::warn!("the zygote exited; starting a new one");
            *current =
                Zygote::spawn(&self.inner.config, &self.inner.program, self.inner.files).await?;
        }
        Ok(Arc::clone(&current))
    }
}

/// The file-confinement layer to use, from the configuration and what the kernel offers.
fn plan_files(wanted: FileConfinement) -> Result<Files, SandboxError> {
    let landlock = sys::landlock_abi() > 0;
    match wanted {
        FileConfinement::Auto if landlock => Ok(Files::Landlock),
        FileConfinement::Auto | FileConfinement::Supervisor => Ok(Files::Supervised),
        FileConfinement::Landlock if landlock => Ok(Files::Landlock),
        FileConfinement::Landlock => Err(SandboxError::NoFileConfinement(
            "Landlock was asked for and this kernel does not offer it".into(),
        )),
        FileConfinement::None => {
            tracing::warn!(
                "file confinement is off by configuration: children read and write whatever \
                 their uid may"
            );
            Ok(Files::Unconfined)
        }
    }
}

fn measured_layers(config: &SandboxConfig, zygote: &Zygote, applied: &Applied) -> Layers {
    let identity = if applied.identity == "dropped" {
        Identity::Dropped(applied.uid)
    } else {
        Identity::Inherited(applied.uid)
    };
    Layers {
        process: true,
        environment: true,
        seccomp: applied.seccomp,
        rlimits: true,
        identity,
        namespaces: zygote.namespaces,
        landlock: applied.landlock.then_some(zygote.hello.landlock_abi),
        files: match applied.files.as_str() {
            "landlock" => FileLayer::Landlock,
            "supervisor" => FileLayer::Supervisor,
            _ => FileLayer::None,
        },
        python_layer: config.python_layer,
        python: zygote.hello.python.clone(),
    }
}
