//! Why a request is not authenticated, worded as the API's 401 details.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A refused credential. The `Display` text is the exact `detail` of the 401 body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization` header, or not a Bearer token.
    #[error("Missing authentication token")]
    Missing,
    /// `exp` is in the past (beyond the leeway).
    #[error("Token has expired")]
    Expired,
    /// `aud` is not the configured app client.
    #[error("Invalid token audience")]
    Audience,
    /// `iss` is not the configured user pool.
    #[error("Invalid token issuer")]
    Issuer,
    /// Anything else: bad signature, wrong algorithm, unknown key, malformed token, wrong `token_use`.
    #[error("Token validation failed: {0}")]
    Invalid(String),
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let body = axum::Json(serde_json::json!({ "detail": self.to_string() }));
        let mut response = (StatusCode::UNAUTHORIZED, body).into_response();
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        response
    }
}
