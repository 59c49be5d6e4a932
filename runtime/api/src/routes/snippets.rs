//! `/snippets`: a user's saved code. Unknown and foreign ids are both `404 Snippet not found`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use code_remote_domain::validation::FieldReader;
use code_remote_domain::{NewSnippet, Page, Snippet, SnippetChanges, SnippetId, SnippetSummary};
use code_remote_queue::SyncEventType;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

use crate::extract::JsonBody;
use crate::openapi::{DeletedDoc, SnippetBody, SnippetUpdateBody};
use crate::{ApiError, AppState, CurrentUser};

const NOT_FOUND: ApiError = ApiError::NotFound("Snippet not found");

/// Saves a snippet.
#[utoipa::path(post, path = "/snippets", tag = "snippets", request_body = SnippetBody,
    security(("bearer" = [])),
    responses((status = 201, body = Snippet), (status = 401), (status = 422)))]
pub(crate) async fn create_snippet(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Snippet>), ApiError> {
    let new = NewSnippet::parse(&body)?;
    let snippet = state.store().create_snippet(user.id, &new).await?;
    state
        .services()
        .notify(SyncEventType::Upserted, snippet.id, user.id)
        .await;
    Ok((StatusCode::CREATED, Json(snippet)))
}

/// Lists the caller's snippets, starred first, then most recently updated.
#[utoipa::path(get, path = "/snippets", tag = "snippets",
    params(("limit" = Option<i64>, Query, description = "1..=100, default 50", minimum = 1, maximum = 100),
           ("offset" = Option<i64>, Query, description = ">= 0, default 0", minimum = 0)),
    security(("bearer" = [])),
    responses((status = 200, body = Page<SnippetSummary>), (status = 401), (status = 422)))]
pub(crate) async fn list_snippets(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Page<SnippetSummary>>, ApiError> {
    let fields: Map<String, Value> = query
        .into_iter()
        .map(|(key, value)| (key, Value::String(value)))
        .collect();
    let mut reader = FieldReader::query(&fields);
    let limit = reader.query_integer("limit", 1, 100, 50);
    let offset = reader.query_integer("offset", 0, i64::MAX, 0);
    reader.finish()?;
    let (Some(limit), Some(offset)) = (limit, offset) else {
        return Err(ApiError::Internal(
            "query bounds checked but missing".into(),
        ));
    };
    Ok(Json(
        state.store().list_snippets(user.id, limit, offset).await?,
    ))
}

/// One of the caller's snippets.
#[utoipa::path(get, path = "/snippets/{id}", tag = "snippets",
    params(("id" = uuid::Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = Snippet), (status = 401), (status = 404), (status = 422)))]
pub(crate) async fn get_snippet(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Snippet>, ApiError> {
    let id = SnippetId::parse_path(&id, "id")?;
    let snippet = state.store().snippet(user.id, id).await?;
    snippet.map(Json).ok_or(NOT_FOUND)
}

/// Changes the given fields of a snippet; absent or null fields stay as they are.
#[utoipa::path(put, path = "/snippets/{id}", tag = "snippets", request_body = SnippetUpdateBody,
    params(("id" = uuid::Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = Snippet), (status = 401), (status = 404), (status = 422)))]
pub(crate) async fn update_snippet(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Snippet>, ApiError> {
    let id = SnippetId::parse_path(&id, "id")?;
    let changes = SnippetChanges::parse(&body)?;
    let snippet = state.store().update_snippet(user.id, id, &changes).await?;
    notify_if_found(&state, &user, snippet.as_ref(), SyncEventType::Upserted).await;
    snippet.map(Json).ok_or(NOT_FOUND)
}

/// Deletes a snippet.
#[utoipa::path(delete, path = "/snippets/{id}", tag = "snippets",
    params(("id" = uuid::Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = DeletedDoc), (status = 401), (status = 404), (status = 422)))]
pub(crate) async fn delete_snippet(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = SnippetId::parse_path(&id, "id")?;
    if state.store().delete_snippet(user.id, id).await? {
        state
            .services()
            .notify(SyncEventType::Deleted, id, user.id)
            .await;
        Ok(Json(json!({"deleted": true, "id": id})))
    } else {
        Err(NOT_FOUND)
    }
}

/// Toggles the starred flag of a snippet.
#[utoipa::path(post, path = "/snippets/{id}/star", tag = "snippets",
    params(("id" = uuid::Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = Snippet), (status = 401), (status = 404), (status = 422)))]
pub(crate) async fn star_snippet(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Snippet>, ApiError> {
    let id = SnippetId::parse_path(&id, "id")?;
    let snippet = state.store().toggle_star(user.id, id).await?;
    notify_if_found(&state, &user, snippet.as_ref(), SyncEventType::Upserted).await;
    snippet.map(Json).ok_or(NOT_FOUND)
}

/// Emits a sync event for a write that found its snippet.
async fn notify_if_found(
    state: &AppState,
    user: &CurrentUser,
    snippet: Option<&Snippet>,
    event: SyncEventType,
) {
    if let Some(snippet) = snippet {
        state.services().notify(event, snippet.id, user.id).await;
    }
}
