//! `/snippets`: a user's saved code. Unknown and foreign ids are both `404 Snippet not found`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use code_remote_domain::validation::FieldReader;
use code_remote_domain::{NewSnippet, Page, Snippet, SnippetChanges, SnippetId, SnippetSummary};
use code_remote_queue::SyncEventType;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use utoipa::ToSchema;

use crate::extract::JsonBody;
use crate::{ApiError, AppState, CurrentUser};

/// Body of `POST /snippets`.
#[derive(Serialize, ToSchema)]
pub struct SnippetBody {
    /// Source code, 1..=50000 characters.
    #[schema(min_length = 1, max_length = 50000, pattern = "^[^\\u0000]*$")]
    pub code: String,
    /// Title, at most 255 characters.
    #[schema(max_length = 255, pattern = "^[^\\u0000]*$")]
    pub title: Option<String>,
    /// Language, 1..=50 characters (default `python`).
    #[schema(min_length = 1, max_length = 50, pattern = "^[^\\u0000]*$")]
    pub language: Option<String>,
    /// Description, at most 2000 characters.
    #[schema(max_length = 2000, pattern = "^[^\\u0000]*$")]
    pub description: Option<String>,
    /// Starred (default false).
    pub is_starred: Option<bool>,
}

/// Body of `PUT /snippets/{id}`: every field is optional, and a null one is left unchanged.
#[derive(Serialize, ToSchema)]
pub struct SnippetUpdateBody {
    /// Source code, 1..=50000 characters.
    #[schema(min_length = 1, max_length = 50000, pattern = "^[^\\u0000]*$")]
    pub code: Option<String>,
    /// Title, at most 255 characters.
    #[schema(max_length = 255, pattern = "^[^\\u0000]*$")]
    pub title: Option<String>,
    /// Language, 1..=50 characters.
    #[schema(min_length = 1, max_length = 50, pattern = "^[^\\u0000]*$")]
    pub language: Option<String>,
    /// Description, at most 2000 characters.
    #[schema(max_length = 2000, pattern = "^[^\\u0000]*$")]
    pub description: Option<String>,
    /// Starred.
    pub is_starred: Option<bool>,
}

/// Answer of `DELETE /snippets/{id}`.
#[derive(Serialize, ToSchema)]
pub struct Deleted {
    /// Always true.
    pub deleted: bool,
    /// The deleted snippet's id.
    #[schema(value_type = uuid::Uuid)]
    pub id: SnippetId,
}

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
    responses((status = 200, body = Deleted), (status = 401), (status = 404), (status = 422)))]
pub(crate) async fn delete_snippet(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Deleted>, ApiError> {
    let id = SnippetId::parse_path(&id, "id")?;
    if state.store().delete_snippet(user.id, id).await? {
        state
            .services()
            .notify(SyncEventType::Deleted, id, user.id)
            .await;
        Ok(Json(Deleted { deleted: true, id }))
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
