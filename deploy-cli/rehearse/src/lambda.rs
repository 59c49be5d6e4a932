//! A function as Lambda runs it: cargo-lambda's Runtime API emulator
//! (`cargo lambda watch --only-lambda-apis`), and the function's binary started from a task root
//! laid out like its zip, with only the environment Lambda would give it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use code_remote_config::contract::lambda_python;
use code_remote_config::{vars, Function};
use serde_json::Value;
use tokio::process::{Child, Command};

use crate::RehearsalError;

/// How long one invocation may take before the rehearsal gives up on it.
const INVOKE_TIMEOUT: Duration = Duration::from_secs(90);

/// One Runtime API emulator, serving one function (named `_`, as cargo-lambda names it).
pub struct Emulator {
    port: u16,
    _child: Child,
    http: reqwest::Client,
}

impl Emulator {
    /// Starts `cargo lambda watch --only-lambda-apis` on a free port (from `workspace`, whose
    /// `Cargo.toml` it reads) and waits until it accepts connections.
    pub async fn start(cargo_lambda: &Path, workspace: &Path) -> Result<Self, RehearsalError> {
        let port = free_port()?;
        let child = Command::new(cargo_lambda)
            .args(["lambda", "watch", "--only-lambda-apis", "-P"])
            .arg(port.to_string())
            .current_dir(workspace)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|err| {
                RehearsalError::Setup(format!(
                    "starting {} (scripts/setup installs cargo-lambda): {err}",
                    cargo_lambda.display()
                ))
            })?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            if Instant::now() > deadline {
                return Err(RehearsalError::Setup(format!(
                    "the Lambda Runtime API emulator did not listen on port {port} within 30 s"
                )));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(Self {
            port,
            _child: child,
            http: reqwest::Client::new(),
        })
    }

    /// `AWS_LAMBDA_RUNTIME_API` for the function.
    pub fn runtime_api(&self) -> String {
        format!("http://127.0.0.1:{}/.rt", self.port)
    }

    async fn invoke(&self, event: &Value) -> Result<Value, String> {
        let answer = self
            .http
            .post(format!(
                "http://127.0.0.1:{}/2015-03-31/functions/_/invocations",
                self.port
            ))
            .json(event)
            .timeout(INVOKE_TIMEOUT)
            .send()
            .await
            .map_err(|err| format!("invoking: {err}"))?;
        let status = answer.status();
        let text = answer.text().await.map_err(|err| err.to_string())?;
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
        if status.is_success() && value.get("errorType").is_none() {
            Ok(value)
        } else {
            Err(format!(
                "the function answered with an error ({status}): {text}"
            ))
        }
    }
}

/// A running function process.
pub struct FunctionProcess {
    /// Which function.
    pub function: Function,
    child: Child,
    log: PathBuf,
    started: Instant,
    first_invocation: Option<Duration>,
}

/// What an invocation gave.
pub enum Invocation {
    /// The handler's answer.
    Answer(Value),
    /// The handler failed or the emulator refused.
    Failed(String),
    /// The process exited (at start-up, typically): its exit status and last log lines.
    Exited(String),
}

impl FunctionProcess {
    /// Starts `binary` as `function` would start in Lambda: from a task root holding it as
    /// `bootstrap` (and, for the Python runtime, the exec wrapper, started the way the managed
    /// runtime starts it), with `env` and nothing else from this process's environment.
    pub async fn start(
        function: Function,
        binary: &Path,
        task_root: &Path,
        env: &BTreeMap<String, String>,
        logs: &Path,
    ) -> Result<Self, RehearsalError> {
        let setup = |what: &str, err: std::io::Error| {
            RehearsalError::Setup(format!("{function}: {what}: {err}"))
        };
        std::fs::create_dir_all(task_root).map_err(|err| setup("creating the task root", err))?;
        let bootstrap = task_root.join("bootstrap");
        std::os::unix::fs::symlink(binary, &bootstrap)
            .map_err(|err| setup("linking the bootstrap", err))?;
        let mut command = if function.runs_python() {
            use std::os::unix::fs::PermissionsExt;
            let wrapper = task_root.join(lambda_python::WRAPPER_FILE);
            std::fs::write(&wrapper, lambda_python::WRAPPER_SCRIPT)
                .map_err(|err| setup("writing the exec wrapper", err))?;
            std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755))
                .map_err(|err| setup("making the exec wrapper executable", err))?;
            // What the managed runtime's bootstrap does: `exec $AWS_LAMBDA_EXEC_WRAPPER
            // <its own Python client command>`; the wrapper must ignore those arguments.
            let wrapper = env
                .get(vars::AWS_LAMBDA_EXEC_WRAPPER)
                .cloned()
                .unwrap_or_else(|| wrapper.display().to_string());
            let mut command = Command::new(wrapper);
            command.args([
                lambda_python::INTERPRETER,
                "-m",
                "awslambdaric",
                "bootstrap.handler",
            ]);
            command
        } else {
            Command::new(&bootstrap)
        };
        let log = logs.join(format!("{}.log", function.id()));
        let file = std::fs::File::create(&log).map_err(|err| setup("creating its log", err))?;
        let err_file = file
            .try_clone()
            .map_err(|err| setup("sharing its log", err))?;
        let started = Instant::now();
        let child = command
            .env_clear()
            .envs(env)
            .current_dir(task_root)
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err_file)
            .kill_on_drop(true)
            .spawn()
            .map_err(|err| setup("starting its bootstrap", err))?;
        Ok(Self {
            function,
            child,
            log,
            started,
            first_invocation: None,
        })
    }

    /// Invokes the function through `emulator`, watching the process: one that exits instead of
    /// answering is reported with its log.
    pub async fn invoke(&mut self, emulator: &Emulator, event: &Value) -> Invocation {
        let outcome = tokio::select! {
            answer = emulator.invoke(event) => match answer {
                Ok(value) => Invocation::Answer(value),
                Err(message) => Invocation::Failed(format!("{message}\n{}", self.log_tail())),
            },
            status = self.child.wait() => {
                let status = status.map(|s| s.to_string()).unwrap_or_else(|err| err.to_string());
                Invocation::Exited(format!("exited ({status}):\n{}", self.log_tail()))
            }
        };
        if self.first_invocation.is_none() {
            self.first_invocation = Some(self.started.elapsed());
        }
        outcome
    }

    /// From process start to the end of the first invocation.
    pub fn first_invocation(&self) -> Option<Duration> {
        self.first_invocation
    }

    /// The `init_ms` the function logged when it became ready for invocations.
    pub fn init_ms(&self) -> Option<u64> {
        self.log().lines().find_map(|line| {
            let entry: Value = serde_json::from_str(line).ok()?;
            let fields = &entry["fields"];
            (fields["message"] == code_remote_config::READY_MESSAGE)
                .then(|| fields["init_ms"].as_u64())
                .flatten()
        })
    }

    /// The process's output so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn log_tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(12)..].join("\n")
    }
}

fn free_port() -> Result<u16, RehearsalError> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|err| RehearsalError::Setup(format!("finding a free port: {err}")))
}
