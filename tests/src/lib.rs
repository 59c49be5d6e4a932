//! The harness of the `stack_*` tests: real local stacks started and stopped by the built `deploy`
//! binary, exactly as a developer or CI would, in a stacks directory of their own. (Tests that
//! need the stack inside their own process use `code_remote_testkit::Stack`.)
//!
//! The binaries must be built first (`scripts/up` and `scripts/test` do): `deploy`,
//! `ephemeral-postgres`, `api`, `worker` (and `sync-worker` once it exists). They are found in the
//! target directory of the test executable, or in `CODE_REMOTE_BIN_DIR`.
#![deny(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use code_remote_local_stack::{Outputs, ProcessRecord, State};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

static NEXT: AtomicU32 = AtomicU32::new(0);

/// The directory holding the built binaries.
pub fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CODE_REMOTE_BIN_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    // Test executables live in `<target>/<profile>/deps/`; binaries in `<target>/<profile>/`.
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("no current exe: {e}"));
    exe.parent()
        .and_then(Path::parent)
        .unwrap_or_else(|| panic!("unexpected test executable path {}", exe.display()))
        .to_path_buf()
}

/// The stacks directory of the end-to-end tests, apart from a developer's own stacks. Shared by
/// every test process (stack names carry the pid); each stack removes its own directory in it.
pub fn stacks_dir() -> PathBuf {
    std::env::temp_dir().join("code-remote-e2e-stacks")
}

/// A fresh stack name, unique on this machine for this process.
pub fn unique_name() -> String {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("e2e-{}-{n}", std::process::id())
}

/// The command `deploy <args>` with the tests' stacks directory; panics with a build hint when
/// `deploy` has not been built.
pub fn command(args: &[&str]) -> Command {
    let binary = bin_dir().join("deploy");
    assert!(
        binary.is_file(),
        "{} is missing: build the stack's binaries first (scripts/up and scripts/test do, or \
         `cargo build -p code-remote-deploy -p code-remote-ephemeral-postgres -p code-remote-api \
         -p code-remote-worker -p code-remote-sync --bins`)",
        binary.display()
    );
    let mut command = Command::new(binary);
    command
        .args(args)
        .env("CODE_REMOTE_STACKS_DIR", stacks_dir())
        .env("CODE_REMOTE_BIN_DIR", bin_dir());
    command
}

/// Runs `deploy <args>` to completion.
pub fn deploy(args: &[&str]) -> Output {
    command(args)
        .output()
        .unwrap_or_else(|e| panic!("running deploy {args:?}: {e}"))
}

/// Panics with the command's output unless it succeeded; returns its stdout.
pub fn expect_success(what: &str, output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what} failed ({}):\nstdout:\n{stdout}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// A running stack; `deploy down` on drop if the test did not stop it.
pub struct Stack {
    name: String,
    outputs: Outputs,
    stopped: bool,
}

impl Stack {
    /// `deploy up --stack local --name <unique> --detach <extra>`, then `deploy outputs --json`.
    pub fn up(extra: &[&str]) -> Self {
        let name = unique_name();
        // A port of our own: stacks of parallel tests would all race for the default one.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port().to_string())
            .expect("a free loopback port");
        let mut args = vec!["up", "--stack", "local", "--name", &name, "--detach"];
        if !extra.contains(&"--port") {
            args.extend_from_slice(&["--port", &port]);
        }
        args.extend_from_slice(extra);
        expect_success("deploy up --detach", &deploy(&args));
        let json = expect_success(
            "deploy outputs --json",
            &deploy(&["outputs", "--stack", "local", "--name", &name, "--json"]),
        );
        let outputs: Outputs = serde_json::from_str(&json).unwrap_or_else(|e| {
            panic!("deploy outputs --json is not the outputs object ({e}): {json}")
        });
        Self {
            name,
            outputs,
            stopped: false,
        }
    }

    /// The stack's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its endpoints.
    pub fn outputs(&self) -> &Outputs {
        &self.outputs
    }

    /// Its directory.
    pub fn dir(&self) -> PathBuf {
        stacks_dir().join(&self.name)
    }

    /// Its current state file.
    pub fn state(&self) -> State {
        let path = self.dir().join("state.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
    }

    /// Every process the state file lists, the supervisor included.
    pub fn processes(&self) -> Vec<ProcessRecord> {
        let state = self.state();
        let mut all = state.processes;
        all.extend(state.supervisor);
        all
    }

    /// `deploy local token --user <user>` for this stack.
    pub fn token(&self, user: &str) -> String {
        let output = deploy(&[
            "local", "token", "--user", user, "--stack", "local", "--name", &self.name,
        ]);
        expect_success("deploy local token", &output)
            .trim()
            .to_owned()
    }

    /// `deploy down` for this stack; returns its output.
    pub fn down(&mut self) -> Output {
        self.stopped = true;
        deploy(&["down", "--stack", "local", "--name", &self.name])
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if !self.stopped {
            self.down();
        }
    }
}

/// The names and pids of the records that still run.
pub fn alive(records: &[ProcessRecord]) -> Vec<String> {
    records
        .iter()
        .filter(|r| r.is_alive())
        .map(|r| format!("{} (pid {})", r.name, r.pid))
        .collect()
}

/// An HTTP client for a stack's API with a user's bearer token.
pub struct Api {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Api {
    /// A client for `stack` as `user` (created in its pool if needed).
    pub fn new(stack: &Stack, user: &str) -> Self {
        Self {
            base: stack.outputs().api_url.clone(),
            token: stack.token(user),
            http: reqwest::Client::new(),
        }
    }

    /// The user's ID token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Sends `method path` with an optional JSON body; returns the status and the JSON answer
    /// (`Value::Null` when the body is not JSON).
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .unwrap_or_else(|e| panic!("bad method {method}: {e}"));
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("calling {path}: {e}"));
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// A WebSocket connection to a stack, authenticated with an ID token.
pub struct Socket {
    stream: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl Socket {
    /// Connects to `<websocketUrl>?token=<token>`.
    pub async fn connect(stack: &Stack, token: &str) -> Self {
        let url = format!("{}?token={token}", stack.outputs().websocket_url);
        let (stream, _) = tokio_tungstenite::connect_async(url)
            .await
            .unwrap_or_else(|e| panic!("connecting the WebSocket: {e}"));
        Self { stream }
    }

    /// The connection's id, from a ping's pong.
    pub async fn connection_id(&mut self) -> String {
        self.send(serde_json::json!({"action": "ping"})).await;
        let pong = self.next_of_type("pong").await;
        pong["connection_id"]
            .as_str()
            .unwrap_or_else(|| panic!("a pong without connection_id: {pong}"))
            .to_owned()
    }

    /// Sends a JSON frame.
    pub async fn send(&mut self, frame: Value) {
        self.stream
            .send(Message::text(frame.to_string()))
            .await
            .unwrap_or_else(|e| panic!("sending a WebSocket frame: {e}"));
    }

    /// The next JSON text frame whose `type` is `kind` (others are skipped); panics after 60 s.
    pub async fn next_of_type(&mut self, kind: &str) -> Value {
        let wait = async {
            while let Some(message) = self.stream.next().await {
                let message = message.unwrap_or_else(|e| panic!("reading the WebSocket: {e}"));
                if let Message::Text(text) = message {
                    let frame: Value = serde_json::from_str(text.as_str())
                        .unwrap_or_else(|e| panic!("a non-JSON frame ({e}): {text}"));
                    if frame["type"] == kind {
                        return frame;
                    }
                }
            }
            panic!("the WebSocket closed before a {kind} frame arrived");
        };
        tokio::time::timeout(Duration::from_secs(60), wait)
            .await
            .unwrap_or_else(|_| panic!("no {kind} frame within 60 s"))
    }
}
