//! A whole local stack inside the test process, for end-to-end tests over real sockets.
//!
//! [`Stack::start_on`] brings up what a deployment has, with real components only: a fresh
//! PostgreSQL database migrated by the engine, moto's Cognito (user pool and client), a FIFO
//! execution queue with a dead-letter queue on either [`QueueEngine`] (the PostgreSQL engine in
//! the same database, or moto's SQS), the API on a loopback port serving HTTP, the
//! WebSocket and the Management API with search on the database, and a sandbox. Workers are started with
//! [`Stack::spawn_worker`] and can be killed mid-job by aborting their task.
#![deny(missing_docs)]

use code_remote_api::{router, AppState, SearchServices};
use code_remote_auth::Verifier;
use code_remote_domain::{ExecutionStatus, JobId};
use code_remote_ephemeral_postgres::TestDatabase;
use code_remote_moto::{Cognito, MotoServer, UserPool};
use code_remote_queue::{consume, postgres, sqs, ConsumerOptions, ExecutionQueue, FifoPair, Queue};
use code_remote_sandbox::{Sandbox, SandboxConfig};
use code_remote_search::PgSearch;
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
pub const VISIBILITY_TIMEOUT_SECONDS: u32 = 3;

/// Receives before a message is moved to the dead-letter queue.
pub const MAX_RECEIVE_COUNT: u32 = 2;

/// Bound on every wait of these tests, so a broken stack fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(90);

/// Which engine a stack's queues run on (docs/queues.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueEngine {
    /// The PostgreSQL engine, in the stack's own database (local stacks' default).
    Postgres,
    /// moto's SQS (what a deployed stack has).
    Sqs,
}

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
    moto_url: String,
    cognito: Cognito,
    pool: UserPool,
    worker: Worker,
    server: JoinHandle<()>,
    _database: TestDatabase,
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
        let (database, pg) = code_remote_testkit::migrated_database().await;
        let store = Store::from_pool(pg);
        let moto = MotoServer::shared().await.expect("moto");
        let cognito = Cognito::new(moto);
        let pool = cognito.create_pool().await.expect("user pool");
        let aws = moto.sdk_config().await;
        let (queue, dead_letters) =
            create_queues(engine, &aws_sdk_sqs::Client::new(&aws), store.pool()).await;
        let queue = ExecutionQueue::new(queue);
        let verifier = Arc::new(Verifier::new(
            &pool.cognito_config(),
            reqwest::Client::new(),
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let api_url = format!("http://{}", listener.local_addr().expect("address"));
        // Search on the database, as a `dev` stack has it (the analysis stays offline).
        let search = PgSearch::new(store.pool().clone())
            .await
            .expect("search backend");
        let services = SearchServices {
            backend: Some(Arc::new(search)),
            pusher: Some(Pusher::new(&aws, &api_url)),
            search_name: "postgres",
            ..SearchServices::default()
        };
        let state = AppState::builder(store.clone(), verifier, queue.clone())
            .local_gateway(code_remote_moto::ACCESS_KEY_ID)
            .services(services)
            .build();
        let app = router(state);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let sandbox = Sandbox::start(SandboxConfig::default())
            .await
            .expect("sandbox");
        let worker = Worker::new(
            store.clone(),
            Arc::new(sandbox),
            Pusher::new(&aws, &api_url),
        );
        Stack {
            api_url,
            store,
            queue,
            dead_letters,
            http: reqwest::Client::new(),
            moto_url: moto.url().to_owned(),
            cognito,
            pool,
            worker,
            server,
            _database: database,
        }
    }

    /// The environment a separate `api` or `worker` process needs to join this stack.
    pub fn process_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DATABASE_URL", self._database.url().to_owned()),
            ("COGNITO_CLIENT_ID", self.pool.client_id.clone()),
            ("COGNITO_ISSUER", self.pool.issuer.clone()),
            ("COGNITO_JWKS_URL", self.pool.jwks_url.clone()),
            (
                "EXECUTION_QUEUE_URL",
                self.queue.queue().address().to_string(),
            ),
            ("WEBSOCKET_MANAGEMENT_URL", self.api_url.clone()),
            ("AWS_ENDPOINT_URL", self.moto_url.clone()),
            ("AWS_REGION", code_remote_moto::REGION.to_owned()),
            ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
        ]
    }

    /// A fresh user's ID token, issued by moto's Cognito.
    pub async fn token(&self) -> String {
        self.cognito
            .new_user_token(&self.pool)
            .await
            .expect("token")
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

impl Drop for Stack {
    fn drop(&mut self) {
        self.server.abort();
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

/// An execution queue and its dead-letter queue on `engine`, named apart from other tests'
/// (moto is shared between them).
async fn create_queues(
    engine: QueueEngine,
    sqs: &aws_sdk_sqs::Client,
    pool: &sqlx::PgPool,
) -> (Queue, Queue) {
    let pair = FifoPair {
        base: format!("exec-{}", uuid::Uuid::new_v4().simple()),
        visibility_timeout: Duration::from_secs(VISIBILITY_TIMEOUT_SECONDS.into()),
        max_receive_count: MAX_RECEIVE_COUNT,
    };
    let (queue, dead_letters) = match engine {
        QueueEngine::Sqs => sqs::create_fifo_pair(sqs, &pair).await,
        QueueEngine::Postgres => {
            postgres::install(pool).await.expect("queue engine");
            postgres::create_fifo_pair(pool, &pair).await
        }
    }
    .expect("create queues");
    let open = |address| Queue::open(address, || sqs.clone(), pool);
    (
        open(&queue).await.expect("open queue"),
        open(&dead_letters).await.expect("open dead-letter queue"),
    )
}
