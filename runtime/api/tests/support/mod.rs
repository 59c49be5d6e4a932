//! `test_app()`: the router of `code_remote_testkit::spawn_app` (moto's SQS, one allowed origin),
//! called without a socket.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use code_remote_config::CorsOrigins;
use code_remote_store::Store;
use code_remote_testkit::{spawn_app, AppOptions, QueueEngine};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub store: Store,
    pub sqs: aws_sdk_sqs::Client,
    pub queue_url: String,
    app: code_remote_testkit::TestApp,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

pub async fn test_app() -> TestApp {
    let app = spawn_app(AppOptions {
        engine: QueueEngine::Sqs,
        cors: Some(CorsOrigins::List(vec!["https://app.example".to_owned()])),
        ..AppOptions::default()
    })
    .await;
    TestApp {
        router: app.router.clone(),
        store: app.store.clone(),
        sqs: aws_sdk_sqs::Client::new(&app.aws),
        queue_url: app.queue.queue().address().to_string(),
        app,
    }
}

impl TestApp {
    /// A fresh Cognito user's ID token.
    pub async fn token(&self) -> String {
        self.app.token().await
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
