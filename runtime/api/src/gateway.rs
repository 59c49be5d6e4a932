//! The local stand-in for API Gateway's WebSocket side: `GET /ws` (with `?token=`) and the
//! Management API `POST/GET/DELETE /@connections/{id}`, so the worker pushes with the same SDK
//! call locally as in AWS. Never enabled in Lambda.
//!
//! The Management API answers only requests signed (SigV4) with the stack's own access key
//! id, the one the local stack gives each of its processes and generates afresh at every
//! `deploy up --stack local`; anyone else reaching the port (another local user, a web page
//! in the developer's browser) gets 403. The signature itself is not verified (the local
//! emulators do not verify theirs either): a process that can read the stack's environment
//! is already inside it.

use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use code_remote_domain::ConnectionId;
use code_remote_ws::handlers::ConnectError;
use code_remote_ws::{Connections, MAX_FRAME_BYTES};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

use crate::{ApiError, AppState};

struct Socket {
    frames: mpsc::UnboundedSender<String>,
    connected_at: DateTime<Utc>,
}

/// Open local WebSocket connections by id.
#[derive(Clone)]
pub struct LocalGateway {
    connections: Connections,
    sockets: Arc<Mutex<HashMap<String, Socket>>>,
    access_key_id: Arc<str>,
}

impl LocalGateway {
    /// A gateway recording connections through `connections`, as the `ws` Lambda does, whose
    /// Management API accepts requests signed with `access_key_id` only.
    pub fn new(connections: Connections, access_key_id: &str) -> Self {
        Self {
            connections,
            sockets: Arc::new(Mutex::new(HashMap::new())),
            access_key_id: access_key_id.into(),
        }
    }

    /// Whether a Management API request is signed with the stack's access key id.
    fn authorized(&self, headers: &HeaderMap) -> bool {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(signing_key_id)
            .is_some_and(|id| constant_time_eq(id.as_bytes(), self.access_key_id.as_bytes()))
    }

    fn sender(&self, id: &str) -> Option<(mpsc::UnboundedSender<String>, DateTime<Utc>)> {
        let sockets = self.sockets.lock().ok()?;
        sockets
            .get(id)
            .map(|socket| (socket.frames.clone(), socket.connected_at))
    }

    fn remove(&self, id: &str) -> bool {
        self.sockets
            .lock()
            .map(|mut sockets| sockets.remove(id).is_some())
            .unwrap_or(false)
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/ws", get(upgrade)).route(
        "/@connections/{id}",
        post(post_frame)
            .get(connection_info)
            .delete(close_connection)
            .layer(axum::extract::DefaultBodyLimit::max(MAX_FRAME_BYTES)),
    )
}

#[derive(Deserialize)]
struct ConnectQuery {
    token: Option<String>,
}

fn gateway(state: &AppState) -> Result<&LocalGateway, ApiError> {
    state.gateway().ok_or(ApiError::NotFound("Not Found"))
}

/// The access key id this process's AWS configuration signs with: outside AWS, the stack's
/// own (every local process gets the same), which the gateway then requires.
pub async fn stack_access_key_id(aws: &aws_config::SdkConfig) -> Option<String> {
    use aws_credential_types::provider::ProvideCredentials;
    let credentials = aws
        .credentials_provider()?
        .provide_credentials()
        .await
        .ok()?;
    Some(credentials.access_key_id().to_owned())
}

/// The access key id of a SigV4 `Authorization` header (`... Credential=<id>/<scope>, ...`).
fn signing_key_id(authorization: &str) -> Option<&str> {
    let credential = authorization
        .strip_prefix("AWS4-HMAC-SHA256 ")?
        .split(',')
        .find_map(|part| part.trim().strip_prefix("Credential="))?;
    credential.split('/').next().filter(|id| !id.is_empty())
}

fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .fold(0u8, |differ, (a, b)| differ | (a ^ b))
            == 0
}

/// Why a Management API call is not carried out, answered as API Gateway answers it.
enum Refused {
    /// This process serves no local gateway.
    NotServed(ApiError),
    /// The call is not signed with the stack's key.
    Forbidden,
    /// No such connection (any more).
    Gone,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Self::NotServed(error) => error.into_response(),
            Self::Forbidden => forbidden(),
            Self::Gone => gone(),
        }
    }
}

/// The gateway, for a Management API call signed with the stack's key.
fn signed_for<'s>(state: &'s AppState, headers: &HeaderMap) -> Result<&'s LocalGateway, Refused> {
    let gateway = gateway(state).map_err(Refused::NotServed)?;
    if gateway.authorized(headers) {
        Ok(gateway)
    } else {
        Err(Refused::Forbidden)
    }
}

fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, Json(json!({"message": "Forbidden"}))).into_response()
}

fn gone() -> Response {
    let mut response = (
        StatusCode::GONE,
        Json(json!({"message": "the connection is gone"})),
    )
        .into_response();
    response.headers_mut().insert(
        HeaderName::from_static("x-amzn-errortype"),
        HeaderValue::from_static("GoneException"),
    );
    response
}

async fn upgrade(
    State(state): State<AppState>,
    Query(query): Query<ConnectQuery>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let gateway = gateway(&state)?.clone();
    let id = ConnectionId::parse(format!("{}=", uuid::Uuid::new_v4().simple()))
        .map_err(|err| ApiError::Internal(err.to_string()))?;
    match gateway
        .connections
        .connect(&id, query.token.as_deref())
        .await
    {
        Ok(_) => {}
        Err(ConnectError::Unauthorized(err)) => return Err(err.into()),
        Err(ConnectError::Store(err)) => return Err(err.into()),
    }
    let (frames, outbox) = mpsc::unbounded_channel();
    if let Ok(mut sockets) = gateway.sockets.lock() {
        sockets.insert(
            id.to_string(),
            Socket {
                frames,
                connected_at: Utc::now(),
            },
        );
    }
    Ok(upgrade.on_upgrade(move |socket| serve(socket, gateway, id, outbox)))
}

async fn serve(
    socket: WebSocket,
    gateway: LocalGateway,
    id: ConnectionId,
    mut outbox: mpsc::UnboundedReceiver<String>,
) {
    let (mut sink, mut stream) = socket.split();
    loop {
        tokio::select! {
            frame = outbox.recv() => match frame {
                Some(text) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                None => {
                    let _ = sink.send(Message::Close(None)).await;
                    break;
                }
            },
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    if let Some(reply) = Connections::default_route(&id, text.as_str()) {
                        if sink.send(Message::Text(reply.to_string().into())).await.is_err() {
                            break;
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
    gateway.remove(id.as_str());
    if let Err(err) = gateway.connections.disconnect(&id).await {
        tracing::warn!(connection = %id, error = %err, "recording the disconnect failed");
    }
}

async fn post_frame(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refused> {
    let (frames, _) = signed_for(&state, &headers)?
        .sender(&id)
        .ok_or(Refused::Gone)?;
    let text = String::from_utf8_lossy(&body).into_owned();
    frames.send(text).map_err(|_| Refused::Gone)?;
    Ok(StatusCode::OK.into_response())
}

async fn connection_info(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Refused> {
    let (_, connected_at) = signed_for(&state, &headers)?
        .sender(&id)
        .ok_or(Refused::Gone)?;
    let at = connected_at.to_rfc3339();
    Ok(Json(json!({
        "ConnectedAt": at,
        "LastActiveAt": at,
        "Identity": {"SourceIp": "127.0.0.1", "UserAgent": ""},
    }))
    .into_response())
}

async fn close_connection(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Refused> {
    if signed_for(&state, &headers)?.remove(&id) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(Refused::Gone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_id_is_read_from_a_sigv4_authorization() {
        let header = "AWS4-HMAC-SHA256 Credential=CRLOCALKEY/20261129/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        assert_eq!(signing_key_id(header), Some("CRLOCALKEY"));
        assert_eq!(signing_key_id("Bearer CRLOCALKEY"), None);
        assert_eq!(signing_key_id("AWS4-HMAC-SHA256 Credential=/x/y"), None);
        assert_eq!(signing_key_id("AWS4-HMAC-SHA256 SignedHeaders=host"), None);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
