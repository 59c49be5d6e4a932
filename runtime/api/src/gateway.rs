//! The local stand-in for API Gateway's WebSocket side: `GET /ws` (with `?token=`) and the
//! Management API `POST/GET/DELETE /@connections/{id}`, so the worker pushes with the same SDK
//! call locally as in AWS. Never enabled in Lambda, where it would let anyone push anywhere.

use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
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
}

impl LocalGateway {
    /// A gateway recording connections through `connections`, as the `ws` Lambda does.
    pub fn new(connections: Connections) -> Self {
        Self {
            connections,
            sockets: Arc::new(Mutex::new(HashMap::new())),
        }
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
    body: Bytes,
) -> Result<Response, ApiError> {
    let gateway = gateway(&state)?;
    let Some((frames, _)) = gateway.sender(&id) else {
        return Ok(gone());
    };
    let text = String::from_utf8_lossy(&body).into_owned();
    if frames.send(text).is_err() {
        return Ok(gone());
    }
    Ok(StatusCode::OK.into_response())
}

async fn connection_info(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let gateway = gateway(&state)?;
    let Some((_, connected_at)) = gateway.sender(&id) else {
        return Ok(gone());
    };
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
) -> Result<Response, ApiError> {
    let gateway = gateway(&state)?;
    if gateway.remove(&id) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Ok(gone())
    }
}
