//! `test_app()`: the router over a fresh migrated database, moto's Cognito and a fresh SQS FIFO queue.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use code_remote_api::{router, AppState};
use code_remote_auth::Verifier;
use code_remote_config::CorsOrigins;
use code_remote_ephemeral_postgres::TestDatabase;
use code_remote_moto::{Cognito, MotoServer, UserPool};
use code_remote_queue::{ExecutionQueue, Queue, SqsQueue};
use code_remote_store::Store;
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub store: Store,
    pub sqs: aws_sdk_sqs::Client,
    pub queue_url: String,
    cognito: Cognito,
    pool: UserPool,
    _database: TestDatabase,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

pub async fn test_app() -> TestApp {
    let (database, pg) = code_remote_testkit::migrated_database().await;
    let moto = MotoServer::shared().await.expect("moto");
    let cognito = Cognito::new(moto);
    let pool = cognito.create_pool().await.expect("user pool");
    let aws = moto.sdk_config().await;
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let queue_url = sqs
        .create_queue()
        .queue_name(format!("exec-{}.fifo", uuid::Uuid::new_v4().simple()))
        .attributes(aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true")
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("queue url");
    let verifier = Arc::new(Verifier::new(
        &pool.cognito_config(),
        reqwest::Client::new(),
    ));
    let store = Store::from_pool(pg);
    let queue = ExecutionQueue::new(Queue::Sqs(SqsQueue::new(sqs.clone(), queue_url.clone())));
    let state = AppState::builder(store.clone(), verifier, queue)
        .cors(CorsOrigins::List(vec!["https://app.example".to_owned()]))
        .build();
    TestApp {
        router: router(state),
        store,
        sqs,
        queue_url,
        cognito,
        pool,
        _database: database,
    }
}

impl TestApp {
    /// A fresh Cognito user's ID token.
    pub async fn token(&self) -> String {
        self.cognito
            .new_user_token(&self.pool)
            .await
            .expect("token")
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let body = match body {
            Some(value) => {
                builder = builder.header("content-type", "application/json");
                Body::from(value.to_string())
            }
            None => Body::empty(),
        };
        self.send(builder.body(body).expect("request")).await
    }
}
