//! `/search`, `/search/complexity` and `/search/similar/{id}`: the caller's snippets found by
//! meaning, by complexity, or by likeness to one of them.
//!
//! The query is parsed into a validated intent (complexity, language, starred, patterns) and the
//! remaining words are embedded; neither the query nor anything a model writes ever becomes
//! statement text. Every backend question is scoped to the caller.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::Json;
use code_remote_analysis::intent::ComplexityKind;
use code_remote_analysis::normalize;
use code_remote_domain::validation::{FieldReader, Length};
use code_remote_domain::{SnippetId, ValidationErrors, ValidationIssue};
use code_remote_search::question::{ask_or_words, Method};
use code_remote_search::{SearchBackend, SearchHit};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::{ApiError, AppState, CurrentUser};

const UNAVAILABLE: ApiError = ApiError::Unavailable("Search service unavailable");
const QUERY: Length = Length { min: 3, max: 500 };
const NOTATION: Length = Length { min: 1, max: 100 };

/// One result of the API contract's SearchResult shape.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResult {
    /// The snippet.
    pub snippet_id: uuid::Uuid,
    /// Its title.
    pub title: Option<String>,
    /// Its language.
    pub language: String,
    /// Its description.
    pub description: Option<String>,
    /// Its time complexity.
    pub time_complexity: Option<String>,
    /// Its space complexity.
    pub space_complexity: Option<String>,
    /// How well it matches, in [0, 1] (similarity plus small boosts, capped); results under
    /// the embedder's floor are not returned.
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub score: f64,
}

impl From<SearchHit> for SearchResult {
    fn from(hit: SearchHit) -> Self {
        Self {
            snippet_id: hit.snippet_id.as_uuid(),
            title: hit.title,
            language: hit.language,
            description: hit.description,
            time_complexity: hit.time_complexity,
            space_complexity: hit.space_complexity,
            score: hit.score,
        }
    }
}

/// Answer of `GET /search`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResponse {
    /// The query as given.
    pub query: String,
    /// Best first.
    pub results: Vec<SearchResult>,
    /// `semantic` when text was embedded and matched by words (docs/search.md), `structured`
    /// when only filters answered, `keyword` when the embedder failed and words alone answered.
    pub method: Method,
    /// How many results.
    pub total: usize,
}

/// Answer of `GET /search/complexity`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplexityResponse {
    /// `time` or `space`.
    pub complexity_type: String,
    /// The canonical notation searched for.
    pub complexity_value: String,
    /// Matching snippets.
    pub results: Vec<SearchResult>,
    /// How many results.
    pub total: usize,
}

/// Answer of `GET /search/similar/{id}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SimilarResponse {
    /// The snippet compared with.
    pub source_snippet_id: uuid::Uuid,
    /// The closest other snippets, never the source.
    pub similar: Vec<SearchResult>,
    /// How many results.
    pub total: usize,
}

fn fields(query: HashMap<String, String>) -> Map<String, Value> {
    query
        .into_iter()
        .map(|(key, value)| (key, Value::String(value)))
        .collect()
}

fn backend(state: &AppState) -> Result<Arc<dyn SearchBackend>, ApiError> {
    state.services().backend.clone().ok_or(UNAVAILABLE)
}

fn unavailable(err: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %err, "search failed");
    UNAVAILABLE
}

/// What the caller sees of `hits`: bounded scores, best first, nothing under `floor`.
fn results(hits: Vec<SearchHit>, floor: f64) -> Vec<SearchResult> {
    code_remote_search::presentable(hits, floor)
        .into_iter()
        .map(SearchResult::from)
        .collect()
}

/// The floor of answers ranked by the embedder's similarity: its own (`Embedder::score_floor`).
/// Answers by words or filters alone have none beyond 0.
fn similarity_floor(state: &AppState) -> f64 {
    state.services().embedder.score_floor()
}

/// Searches the caller's snippets by meaning, filtered and boosted by the query's intent.
#[utoipa::path(get, path = "/search", tag = "search",
    params(("q" = String, Query, description = "3..=500 characters", min_length = 3, max_length = 500, pattern = "^[^\\u0000]*$"),
           ("limit" = Option<i64>, Query, description = "1..=50, default 10", minimum = 1, maximum = 50)),
    security(("bearer" = [])),
    responses((status = 200, body = SearchResponse), (status = 401), (status = 422), (status = 503)))]
pub(crate) async fn search(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<SearchResponse>, ApiError> {
    let fields = fields(query);
    let mut reader = FieldReader::query(&fields);
    let q = reader.required_string("q", QUERY);
    let limit = reader.query_integer("limit", 1, 50, 10);
    reader.finish()?;
    let (Some(q), Some(limit)) = (q, limit) else {
        return Err(ApiError::Internal("query checked but missing".into()));
    };
    let backend = backend(&state)?;
    let (query, method) = ask_or_words(&q, state.services().embedder.as_ref(), limit as usize)
        .await
        .map_err(unavailable)?;
    let hits = backend.search(user.id, &query).await.map_err(unavailable)?;
    let floor = match method {
        Method::Semantic => similarity_floor(&state),
        Method::Structured | Method::Keyword => 0.0,
    };
    let results = results(hits, floor);
    Ok(Json(SearchResponse {
        query: q,
        total: results.len(),
        results,
        method,
    }))
}

/// The caller's snippets with a given time or space complexity (notation is normalised, so
/// `O(n^2)`, `O(n²)` and `O(n**2)` match each other).
#[utoipa::path(get, path = "/search/complexity", tag = "search",
    params(("complexity" = String, Query, description = "e.g. O(n log n), 1..=100 characters", min_length = 1, max_length = 100, pattern = "^[^\\u0000]*$"),
           ("type" = Option<String>, Query, description = "time (default) or space", pattern = "^(time|space)$"),
           ("limit" = Option<i64>, Query, description = "1..=100, default 20", minimum = 1, maximum = 100)),
    security(("bearer" = [])),
    responses((status = 200, body = ComplexityResponse), (status = 401), (status = 422), (status = 503)))]
pub(crate) async fn by_complexity(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<ComplexityResponse>, ApiError> {
    let fields = fields(query);
    let mut reader = FieldReader::query(&fields);
    let complexity = reader.required_string("complexity", NOTATION);
    let kind = reader.optional_string("type", Length { min: 1, max: 10 });
    let limit = reader.query_integer("limit", 1, 100, 20);
    reader.finish()?;
    let (Some(complexity), Some(limit)) = (complexity, limit) else {
        return Err(ApiError::Internal("query checked but missing".into()));
    };
    let kind = match kind.as_deref() {
        None | Some("time") => ComplexityKind::Time,
        Some("space") => ComplexityKind::Space,
        Some(_) => {
            return Err(ValidationErrors::single(ValidationIssue::new(
                &["query", "type"],
                "Input should be 'time' or 'space'",
                "literal_error",
            ))
            .into())
        }
    };
    let notation = normalize(&complexity);
    let hits = backend(&state)?
        .by_complexity(user.id, kind, &notation, limit as usize)
        .await
        .map_err(unavailable)?;
    let results = results(hits, 0.0);
    Ok(Json(ComplexityResponse {
        complexity_type: match kind {
            ComplexityKind::Time => "time",
            ComplexityKind::Space => "space",
        }
        .to_owned(),
        complexity_value: notation,
        total: results.len(),
        results,
    }))
}

/// The caller's snippets most like one of theirs (never including it).
#[utoipa::path(get, path = "/search/similar/{id}", tag = "search",
    params(("id" = uuid::Uuid, Path), ("limit" = Option<i64>, Query, description = "1..=20, default 5", minimum = 1, maximum = 20)),
    security(("bearer" = [])),
    responses((status = 200, body = SimilarResponse), (status = 401), (status = 404), (status = 422),
              (status = 503)))]
pub(crate) async fn similar(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<SimilarResponse>, ApiError> {
    let id = SnippetId::parse_path(&id, "id")?;
    let fields = fields(query);
    let mut reader = FieldReader::query(&fields);
    let limit = reader.query_integer("limit", 1, 20, 5);
    reader.finish()?;
    let Some(limit) = limit else {
        return Err(ApiError::Internal("query checked but missing".into()));
    };
    if state.store().snippet(user.id, id).await?.is_none() {
        return Err(ApiError::NotFound("Snippet not found"));
    }
    let hits = backend(&state)?
        .similar(user.id, id, limit as usize)
        .await
        .map_err(unavailable)?
        .unwrap_or_default();
    let similar: Vec<SearchResult> = results(hits, similarity_floor(&state))
        .into_iter()
        .filter(|hit| hit.snippet_id != id.as_uuid())
        .collect();
    Ok(Json(SimilarResponse {
        source_snippet_id: id.as_uuid(),
        total: similar.len(),
        similar,
    }))
}
