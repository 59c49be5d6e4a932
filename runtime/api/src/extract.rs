//! Extractors: the authenticated user (created on first sight) and a JSON body read leniently so
//! that every problem becomes a 422 in the contract's shape.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use code_remote_auth::Authenticated;
use code_remote_domain::{UserId, ValidationErrors};
use serde_json::Value;

use crate::{ApiError, AppState};

/// The caller: its row id and Cognito `sub`.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The `users` row id.
    pub id: UserId,
    /// The Cognito `sub`, used as the SQS message group.
    pub sub: String,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Authenticated(claims) = Authenticated::from_request_parts(parts, state).await?;
        let id = state.resolve_user(&claims).await?;
        Ok(Self {
            id,
            sub: claims.sub,
        })
    }
}

/// A request body parsed as JSON, with invalid JSON as a 422 and an oversized body as a 413.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.into_response().status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::Validation(ValidationErrors::invalid_json(
                        "the body could not be read",
                    ))
                }
            })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|err| ApiError::Validation(ValidationErrors::invalid_json(&err.to_string())))
    }
}
