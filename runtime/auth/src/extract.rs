//! The axum extractor that turns an `Authorization: Bearer` header into verified claims.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use std::sync::Arc;

use crate::{AuthError, Claims, Verifier};

/// Claims of a request's verified ID token; extracting it answers 401 with the contract's detail.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Claims);

/// The token of an `Authorization: Bearer <token>` header, or [`AuthError::Missing`].
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, AuthError> {
    let value = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .ok_or(AuthError::Missing)?;
    let (scheme, token) = value.split_once(' ').ok_or(AuthError::Missing)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(AuthError::Missing);
    }
    Ok(token)
}

impl<S> FromRequestParts<S> for Authenticated
where
    Arc<Verifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers)?;
        let verifier = Arc::<Verifier>::from_ref(state);
        verifier.verify(token).await.map(Authenticated)
    }
}
