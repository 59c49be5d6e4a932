//! Every error a route can answer, with the contract's status and `{"detail": ...}` body.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use code_remote_auth::AuthError;
use code_remote_domain::ValidationErrors;
use serde_json::json;

/// An error answered to the client; internal causes are logged, never shown.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401 with one of the contract's details.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// 422 listing every invalid field.
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// 404 with the given detail.
    #[error("{0}")]
    NotFound(&'static str),
    /// 413: the body is over 64 KiB.
    #[error("request body is over the 64 KiB limit")]
    PayloadTooLarge,
    /// 429 with `Retry-After`: the user is over their share (see `fairness`).
    #[error("{detail}")]
    TooManyRequests {
        /// What the user is over.
        detail: &'static str,
        /// Seconds to wait before trying again.
        retry_after_secs: u32,
    },
    /// 503: a dependency (queue, sandbox) is down.
    #[error("{0}")]
    Unavailable(&'static str),
    /// 500: logged with its cause, answered without it.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<code_remote_store::StoreError> for ApiError {
    fn from(err: code_remote_store::StoreError) -> Self {
        Self::Internal(err.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, detail) = match self {
            Self::Auth(err) => return err.into_response(),
            Self::Validation(errors) => {
                return (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Json(json!({ "detail": errors.0 })),
                )
                    .into_response()
            }
            Self::NotFound(detail) => (StatusCode::NOT_FOUND, detail),
            Self::TooManyRequests {
                detail,
                retry_after_secs,
            } => {
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, retry_after_secs.to_string())],
                    Json(json!({ "detail": detail })),
                )
                    .into_response()
            }
            Self::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "Request body too large"),
            Self::Unavailable(detail) => {
                tracing::error!(detail, "dependency unavailable");
                (StatusCode::SERVICE_UNAVAILABLE, detail)
            }
            Self::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
            }
        };
        (status, Json(json!({ "detail": detail }))).into_response()
    }
}
