//! `TestStack`: the API of `code_remote_testkit::spawn_app` on moto's SQS with a sync queue and
//! the offline embedder, and a sync worker on that sync queue with the postgres search backend,
//! driven by polling the real queue.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use code_remote_analysis::{Embedder, MiniLmEmbedder, OfflineAnalyzer};
use code_remote_queue::SyncQueue;
use code_remote_search::PgSearch;
use code_remote_store::Store;
use code_remote_sync::SyncWorker;
use code_remote_testkit::{spawn_app, AppOptions, QueueEngine, TestApp};
use serde_json::Value;

pub struct TestStack {
    pub base: String,
    pub http: reqwest::Client,
    pub store: Store,
    pub backend: Arc<PgSearch>,
    pub worker: SyncWorker,
    pub sync: SyncQueue,
    app: TestApp,
}

/// A stack whose API has a search backend when `with_backend` (the sync worker always has one).
pub async fn stack_with(with_backend: bool) -> TestStack {
    let embedder = offline_embedder();
    let app = spawn_app(AppOptions {
        engine: QueueEngine::Sqs,
        visibility_timeout: Duration::from_secs(1),
        search: with_backend,
        sync_queue: true,
        embedder: Some(embedder.clone()),
        ..AppOptions::default()
    })
    .await;
    let backend = Arc::new(
        PgSearch::new(app.store.pool().clone())
            .await
            .expect("search backend"),
    );
    let worker = SyncWorker::new(
        app.store.clone(),
        Arc::new(OfflineAnalyzer),
        embedder,
        backend.clone(),
    );
    TestStack {
        base: app.url.clone(),
        http: reqwest::Client::new(),
        store: app.store.clone(),
        backend,
        worker,
        sync: app.sync.clone().expect("sync queue"),
        app,
    }
}

pub async fn stack() -> TestStack {
    stack_with(true).await
}

impl TestStack {
    pub async fn token(&self) -> String {
        self.app.token().await
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
