//! A whole local stack inside the test process, for end-to-end tests and benchmarks over real
//! sockets.
//!
//! [`Stack::start_on`] brings up what a deployment has, with real components only: the API of
//! [`spawn_app`] (a migrated database, moto's Cognito, the execution queue with its dead-letter
//! queue on either [`QueueEngine`], HTTP, the WebSocket and the Management API, search on the
//! database) and a sandbox. Workers are started with [`Stack::spawn_worker`] and can be killed
//! mid-job by aborting their task.

use crate::{spawn_app, AppOptions, QueueEngine, TestApp};
use code_remote_domain::{ExecutionStatus, JobId};
use code_remote_queue::{consume, ConsumerOptions, ExecutionQueue, Queue};
use code_remote_sandbox::{Sandbox, SandboxConfig};
use code_remote_store::{Store, StoredExecution};
use code_remote_worker::Worker;
use code_remote_ws::Pusher;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a received message stays invisible; a killed worker's job reappears after it.
pub const VISIBILITY_TIMEOUT: Duration = Duration::from_secs(3);

/// Receives before a message is moved to the dead-letter queue.
pub const MAX_RECEIVE_COUNT: u32 = 2;

/// Bound on every wait of these tests, so a broken stack fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(90);

/// A running local stack.
pub struct Stack {
    /// Base URL of the API, e.g. `http://127.0.0.1:4312`.
    pub api_url: String,
    /// The store, to check what was persisted.
    pub store: Store,
    /// The execution queue, as the API sends to it.
    pub queue: ExecutionQueue,
    /// Its dead-letter queue.
    pub dead_letters: Queue,
    http: reqwest::Client,
    worker: Worker,
    app: TestApp,
}

/// A WebSocket client connected to the stack as one user.
pub struct Client {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The connection id the gateway gave this client (learnt from a `pong`).
    pub connection_id: String,
}

impl Stack {
    /// Starts everything but the workers, with the queues on the PostgreSQL engine.
    pub async fn start() -> Stack {
        Self::start_on(QueueEngine::Postgres).await
    }

    /// Starts everything but the workers, with the queues on `engine`.
    pub async fn start_on(engine: QueueEngine) -> Stack {
        // Search on the database, as a `dev` stack has it (the analysis stays offline).
        let app = spawn_app(AppOptions {
            engine,
            visibility_timeout: VISIBILITY_TIMEOUT,
            max_receive_count: MAX_RECEIVE_COUNT,
            search: true,
            ..AppOptions::default()
        })
        .await;
        let sandbox = Sandbox::start(SandboxConfig::default())
            .await
            .unwrap_or_else(|err| panic!("starting the sandbox failed: {err}"));
        let worker = Worker::new(
            app.store.clone(),
            Arc::new(sandbox),
            Pusher::new(&app.aws, &app.url),
        );
        Stack {
            api_url: app.url.clone(),
            store: app.store.clone(),
            queue: app.queue.clone(),
            dead_letters: app.dead_letters.clone(),
            http: reqwest::Client::new(),
            worker,
            app,
        }
    }

    /// The environment a separate `api` or `worker` process needs to join this stack.
    pub fn process_env(&self) -> Vec<(&'static str, String)> {
        self.app.process_env()
    }

    /// A fresh user's ID token, issued by moto's Cognito.
    pub async fn token(&self) -> String {
        self.app.token().await
    }

    /// Starts a worker consuming the queue with the sandbox's slots, as the local stack's
    /// worker process does; abort the handle to kill it mid-job.
    pub fn spawn_worker(&self) -> JoinHandle<()> {
        let worker = self.worker.clone();
        let queue = self.queue.queue().clone();
        let options = ConsumerOptions {
            slots: worker.slots(),
            wait: Duration::from_secs(1),
        };
        tokio::spawn(async move { consume(&queue, options, worker, std::future::pending()).await })
    }

    /// Messages on the execution queue, in flight or not.
    pub async fn queue_depth(&self) -> u64 {
        self.queue.queue().depth().await.expect("queue depth")
    }

    /// Opens a WebSocket as the token's user.
    pub async fn connect(&self, token: &str) -> Client {
        let url = format!(
            "{}/ws?token={token}",
            self.api_url.replacen("http://", "ws://", 1)
        );
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("websocket");
        let mut client = Client {
            socket,
            connection_id: String::new(),
        };
        let pong = client.ping().await;
        client.connection_id = pong["connection_id"].as_str().expect("id").to_owned();
        client
    }

    /// Tries to open a WebSocket; the handshake's HTTP status when it is refused.
    pub async fn connect_status(&self, token: &str) -> Option<u16> {
        let url = format!(
            "{}/ws?token={token}",
            self.api_url.replacen("http://", "ws://", 1)
        );
        match tokio_tungstenite::connect_async(url).await {
            Ok(_) => None,
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                Some(response.status().as_u16())
            }
            Err(other) => panic!("unexpected websocket error: {other}"),
        }
    }

    /// `POST /execute/async` as it is answered: the status and the JSON body.
    pub async fn post_execute_async(
        &self,
        token: &str,
        connection_id: &str,
        code: &str,
    ) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}/execute/async", self.api_url))
            .bearer_auth(token)
            .json(&json!({"code": code, "connection_id": connection_id, "timeout_seconds": 20}))
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("json"))
    }

    /// `POST /execute/async`, which must queue; returns the job id.
    pub async fn execute_async(&self, token: &str, connection_id: &str, code: &str) -> JobId {
        let (_, answer) = self.post_execute_async(token, connection_id, code).await;
        assert_eq!(answer["status"], "queued", "{answer}");
        let id = answer["job_id"].as_str().expect("job id");
        JobId::from_uuid(id.parse().expect("uuid"))
    }

    /// `POST /execute/{job_id}/cancel` as it is answered: the status and the JSON body.
    pub async fn cancel(&self, token: &str, job: &str) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}/execute/{job}/cancel", self.api_url))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("json"))
    }

    /// Waits until the job's stored status satisfies `done`.
    pub async fn wait_for_status(
        &self,
        job: JobId,
        done: impl Fn(ExecutionStatus) -> bool,
    ) -> StoredExecution {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if let Some(stored) = self.store.execution(job).await.expect("store") {
                if done(stored.status) {
                    return stored;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "job {job} never reached the expected state"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the dead-letter queue holds a message, and returns its body.
    pub async fn wait_for_dead_letter(&self) -> String {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let received = self
                .dead_letters
                .receive(1, Duration::from_secs(1))
                .await
                .expect("receive");
            if let Some(message) = received.into_iter().next() {
                return message.body;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "nothing reached the dead-letter queue"
            );
        }
    }
}

impl Client {
    /// Sends `ping` and returns the `pong`, skipping nothing: any other frame before it is a failure.
    pub async fn ping(&mut self) -> Value {
        self.socket
            .send(Message::Text(r#"{"action":"ping"}"#.into()))
            .await
            .expect("send");
        let frame = self.next().await;
        assert_eq!(frame["type"], "pong", "expected only a pong, got {frame}");
        frame
    }

    /// The next JSON frame.
    pub async fn next(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .expect("a frame in time")
                .expect("socket open")
                .expect("frame");
            if let Message::Text(text) = message {
                return serde_json::from_str(text.as_str()).expect("json frame");
            }
        }
    }
}
