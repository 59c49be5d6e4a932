//! `TestStack`: the API served on a local port (with its local WebSocket gateway) over a fresh
//! migrated database, moto's Cognito and SQS, the postgres search backend, and a sync worker on
//! the same sync queue, driven by polling the real queue.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use code_remote_analysis::{Embedder, MiniLmEmbedder, OfflineAnalyzer};
use code_remote_api::{router, AppState, SearchServices};
use code_remote_auth::Verifier;
use code_remote_ephemeral_postgres::TestDatabase;
use code_remote_moto::{Cognito, MotoServer, UserPool};
use code_remote_queue::{ExecutionQueue, Queue, SqsQueue, SyncQueue};
use code_remote_search::{PgSearch, SearchBackend};
use code_remote_store::Store;
use code_remote_sync::SyncWorker;
use code_remote_ws::Pusher;
use serde_json::Value;

pub struct TestStack {
    pub base: String,
    pub http: reqwest::Client,
    pub store: Store,
    pub backend: Arc<PgSearch>,
    pub worker: SyncWorker,
    pub sync: SyncQueue,
    cognito: Cognito,
    pool: UserPool,
    _database: TestDatabase,
}

async fn fifo(sqs: &aws_sdk_sqs::Client, prefix: &str) -> String {
    sqs.create_queue()
        .queue_name(format!("{prefix}-{}.fifo", uuid::Uuid::new_v4().simple()))
        .attributes(aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true")
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout,
            "1",
        )
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("queue url")
}

/// A stack whose API has a search backend when `with_backend`.
pub async fn stack_with(with_backend: bool) -> TestStack {
    let (database, pg) = code_remote_testkit::migrated_database().await;
    let moto = MotoServer::shared().await.expect("moto");
    let cognito = Cognito::new(moto);
    let pool = cognito.create_pool().await.expect("user pool");
    let aws = moto.sdk_config().await;
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let exec_url = fifo(&sqs, "exec").await;
    let sync_url = fifo(&sqs, "sync").await;
    let verifier = Arc::new(Verifier::new(
        &pool.cognito_config(),
        reqwest::Client::new(),
    ));
    let store = Store::from_pool(pg.clone());
    let backend = Arc::new(PgSearch::new(pg).await.expect("search backend"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listener");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let sync = SyncQueue::new(Queue::Sqs(SqsQueue::new(sqs.clone(), sync_url)));
    let embedder = offline_embedder();
    let services = SearchServices {
        embedder: embedder.clone(),
        backend: with_backend.then(|| backend.clone() as Arc<dyn SearchBackend>),
        sync: Some(sync.clone()),
        pusher: Some(Pusher::new(&aws, &base)),
        ..SearchServices::default()
    };
    let queue = ExecutionQueue::new(Queue::Sqs(SqsQueue::new(sqs, exec_url)));
    let state = AppState::builder(store.clone(), verifier, queue)
        .local_gateway(code_remote_moto::ACCESS_KEY_ID)
        .services(services)
        .build();
    let app = router(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let worker = SyncWorker::new(
        store.clone(),
        Arc::new(OfflineAnalyzer),
        embedder,
        backend.clone(),
    );
    TestStack {
        base,
        http: reqwest::Client::new(),
        store,
        backend,
        worker,
        sync,
        cognito,
        pool,
        _database: database,
    }
}

pub async fn stack() -> TestStack {
    stack_with(true).await
}

impl TestStack {
    pub async fn token(&self) -> String {
        self.cognito
            .new_user_token(&self.pool)
            .await
            .expect("token")
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("response");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, token, None).await
    }

    /// Saves a snippet through the API and returns its id.
    pub async fn save(&self, token: &str, title: &str, code: &str) -> String {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/snippets",
                token,
                Some(serde_json::json!({"title": title, "code": code})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().expect("id").to_owned()
    }

    /// Runs the sync worker over the real queue until it has been empty for two polls.
    pub async fn drain(&self) -> usize {
        let mut handled = 0;
        let mut empty = 0;
        while empty < 2 {
            let polled = code_remote_queue::poll_once(
                self.sync.queue(),
                Duration::from_secs(1),
                &self.worker,
            )
            .await
            .expect("poll");
            assert!(polled.failed.is_empty(), "failed: {:?}", polled.failed);
            if polled.received == 0 {
                empty += 1;
            } else {
                empty = 0;
                handled += polled.received;
            }
        }
        handled
    }
}

pub fn ids(results: &Value) -> Vec<String> {
    results
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["snippet_id"].as_str().expect("snippet_id").to_owned())
        .collect()
}

pub fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The offline embedder local stacks run (all-MiniLM-L6-v2 from `.models/`, installed by
/// scripts/setup-model), loaded once for the whole test binary.
pub fn offline_embedder() -> Arc<dyn Embedder> {
    static MODEL: std::sync::OnceLock<MiniLmEmbedder> = std::sync::OnceLock::new();
    let model = MODEL.get_or_init(|| {
        MiniLmEmbedder::load(&code_remote_minilm::checkout_dir())
            .unwrap_or_else(|err| panic!("{err}: run scripts/setup-model"))
    });
    Arc::new(model.clone())
}
