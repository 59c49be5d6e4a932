//! `/analyze`, `/analyze/async` and `/analyze/status`: complexity analysis of code, optionally
//! stored on one of the caller's snippets (which then emits `snippet.analyzed`).

use axum::extract::State;
use axum::Json;
use code_remote_analysis::{Analysis, StreamEvent};
use code_remote_domain::execution::EXECUTION_CODE_LENGTH;
use code_remote_domain::validation::{FieldReader, Length};
use code_remote_domain::{
    ConnectionId, JobId, SnippetId, UserId, ValidationErrors, ValidationIssue,
};
use code_remote_queue::SyncEventType;
use code_remote_store::StoredAnalysis;
use code_remote_ws::Pusher;
use futures_util::StreamExt;
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::extract::JsonBody;
use crate::{ApiError, AppState, CurrentUser};

/// Body of `POST /analyze`.
#[derive(Serialize, ToSchema)]
pub struct AnalyzeBody {
    /// Python source, 1..=10240 characters.
    #[schema(min_length = 1, max_length = 10240, pattern = "^[^\\u0000]*$")]
    pub code: String,
    /// One of the caller's snippets to store the analysis on (when it holds this code).
    pub snippet_id: Option<uuid::Uuid>,
}

/// Body of `POST /analyze/async`.
#[derive(Serialize, ToSchema)]
pub struct AnalyzeAsyncBody {
    /// Python source, 1..=10240 characters.
    #[schema(min_length = 1, max_length = 10240, pattern = "^[^\\u0000]*$")]
    pub code: String,
    /// The caller's WebSocket connection (open, and the caller's own), 1..=256 characters of
    /// letters, digits and `=-_+/`.
    #[schema(min_length = 1, max_length = 256, pattern = "^[A-Za-z0-9=_+/-]+$")]
    pub connection_id: String,
    /// One of the caller's snippets to store the analysis on (when it holds this code).
    pub snippet_id: Option<uuid::Uuid>,
}

const CONNECTION: Length = Length { min: 1, max: 256 };

/// Answer of `POST /analyze/async`.
#[derive(Serialize, ToSchema)]
pub struct AnalysisAccepted {
    /// The job id; every `analysis_stream_*` frame carries it.
    pub job_id: uuid::Uuid,
    /// Always `streaming`.
    pub status: String,
}

/// The AnalyzeResponse of the API contract, with the patterns found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnalyzeResponse {
    /// Whether complexity values were obtained.
    pub success: bool,
    /// Canonical time complexity, or `N/A`.
    pub time_complexity: String,
    /// Canonical space complexity, or `N/A`.
    pub space_complexity: String,
    /// Markdown narrative.
    pub narrative: String,
    /// Why `success` is false.
    pub error: Option<String>,
    /// Whether an analyzer is configured (always: the offline one is the fallback).
    pub available: bool,
    /// The Gemini model that answered; null for the offline analyzer.
    pub model: Option<String>,
    /// Pattern names (`recursion`, `binary search`).
    pub patterns: Vec<String>,
}

impl From<&Analysis> for AnalyzeResponse {
    fn from(analysis: &Analysis) -> Self {
        Self {
            success: analysis.success,
            time_complexity: analysis.time_complexity.clone(),
            space_complexity: analysis.space_complexity.clone(),
            narrative: analysis.narrative.clone(),
            error: analysis.error.clone(),
            available: true,
            model: analysis.model.clone(),
            patterns: analysis.patterns.clone(),
        }
    }
}

/// Answer of `GET /analyze/status`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnalyzeStatus {
    /// Whether analysis is available.
    pub available: bool,
    /// `gemini` or `heuristic`.
    pub provider: Option<String>,
}

struct AnalyzeRequest {
    code: String,
    snippet: Option<SnippetId>,
    connection: Option<ConnectionId>,
}

fn parse(body: &Value, with_connection: bool) -> Result<AnalyzeRequest, ApiError> {
    let mut reader = FieldReader::body(body)?;
    let code = reader.required_string("code", EXECUTION_CODE_LENGTH);
    let snippet = reader.optional_uuid("snippet_id");
    let connection = if with_connection {
        reader.required_string("connection_id", CONNECTION)
    } else {
        None
    };
    reader.finish()?;
    let connection = match connection {
        Some(raw) => Some(ConnectionId::parse(raw).map_err(|err| {
            ValidationErrors::single(ValidationIssue::new(
                &["body", "connection_id"],
                err.to_string(),
                "value_error",
            ))
        })?),
        None => None,
    };
    Ok(AnalyzeRequest {
        code: code.unwrap_or_default(),
        snippet: snippet.map(SnippetId::from_uuid),
        connection,
    })
}

/// Checks that the caller owns `snippet`, answering 404 otherwise.
async fn owned(state: &AppState, user: UserId, snippet: Option<SnippetId>) -> Result<(), ApiError> {
    if let Some(id) = snippet {
        if state.store().snippet(user, id).await?.is_none() {
            return Err(ApiError::NotFound("Snippet not found"));
        }
    }
    Ok(())
}

/// Stores a successful analysis on the snippet (if it still holds that code) and notifies the
/// sync worker.
async fn store(
    state: &AppState,
    user: UserId,
    snippet: SnippetId,
    code: &str,
    analysis: &Analysis,
) {
    if !analysis.success {
        return;
    }
    let stored = StoredAnalysis {
        time_complexity: analysis.time_complexity.clone(),
        space_complexity: analysis.space_complexity.clone(),
        narrative: analysis.narrative.clone(),
        patterns: analysis.patterns.clone(),
        model_used: analysis
            .model
            .clone()
            .unwrap_or_else(|| "heuristic".to_owned()),
    };
    match state
        .store()
        .store_analysis(snippet, Some(user), code, &stored)
        .await
    {
        Ok(true) => {
            state
                .services()
                .notify(SyncEventType::Analyzed, snippet, user)
                .await
        }
        Ok(false) => {
            tracing::info!(snippet = %snippet, "the snippet's code changed; analysis not stored")
        }
        Err(err) => {
            tracing::error!(snippet = %snippet, error = %err, "storing the analysis failed")
        }
    }
}

/// Analyses code now. Provider failures are answered with `success: false`, not an error status.
#[utoipa::path(post, path = "/analyze", tag = "analysis", request_body = AnalyzeBody,
    security(("bearer" = [])),
    responses((status = 200, body = AnalyzeResponse), (status = 401), (status = 404), (status = 422)))]
pub(crate) async fn analyze(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Json<AnalyzeResponse>, ApiError> {
    let request = parse(&body, false)?;
    owned(&state, user.id, request.snippet).await?;
    let analysis = state.services().analyzer.analyze(&request.code).await;
    if let Some(snippet) = request.snippet {
        store(&state, user.id, snippet, &request.code, &analysis).await;
    }
    Ok(Json(AnalyzeResponse::from(&analysis)))
}

/// Streams an analysis to the caller's WebSocket as `analysis_stream_start`, `_chunk`s and
/// `_complete` (or `_error`); the connection must belong to the caller.
#[utoipa::path(post, path = "/analyze/async", tag = "analysis", request_body = AnalyzeAsyncBody,
    security(("bearer" = [])),
    responses((status = 200, body = AnalysisAccepted), (status = 401), (status = 404),
              (status = 422), (status = 503)))]
pub(crate) async fn analyze_async(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Json<AnalysisAccepted>, ApiError> {
    let request = parse(&body, true)?;
    let Some(connection) = request.connection else {
        return Err(ApiError::Internal("connection checked but missing".into()));
    };
    owned(&state, user.id, request.snippet).await?;
    let Some(pusher) = state.services().pusher.clone() else {
        return Err(ApiError::Unavailable("Analysis streaming unavailable"));
    };
    if state.store().connection_owner(&connection).await? != Some(user.id) {
        return Err(ApiError::NotFound("Connection not found"));
    }
    let job = JobId::generate();
    tokio::spawn(stream(
        state,
        pusher,
        user.id,
        connection,
        job,
        request.code,
        request.snippet,
    ));
    Ok(Json(AnalysisAccepted {
        job_id: job.as_uuid(),
        status: "streaming".to_owned(),
    }))
}

async fn stream(
    state: AppState,
    pusher: Pusher,
    user: UserId,
    connection: ConnectionId,
    job: JobId,
    code: String,
    snippet: Option<SnippetId>,
) {
    let send = |frame: Value| {
        let pusher = pusher.clone();
        let connection = connection.clone();
        async move {
            match pusher
                .push(&connection, frame.to_string().into_bytes())
                .await
            {
                Ok(code_remote_ws::PushOutcome::Delivered) => true,
                Ok(code_remote_ws::PushOutcome::Gone) => false,
                Err(err) => {
                    tracing::warn!(job = %job, error = %err, "pushing an analysis frame failed");
                    false
                }
            }
        }
    };
    if !send(json!({"type": "analysis_stream_start", "job_id": job})).await {
        return;
    }
    let mut events = state.services().analyzer.analyze_stream(&code).await;
    while let Some(event) = events.next().await {
        match event {
            StreamEvent::Chunk(chunk) => {
                if !send(json!({"type": "analysis_stream_chunk", "job_id": job, "chunk": chunk}))
                    .await
                {
                    return;
                }
            }
            StreamEvent::Complete(analysis) => {
                if let Some(id) = snippet {
                    store(&state, user, id, &code, &analysis).await;
                }
                let frame = if analysis.success {
                    json!({"type": "analysis_stream_complete", "job_id": job,
                           "result": AnalyzeResponse::from(&analysis)})
                } else {
                    json!({"type": "analysis_stream_error", "job_id": job,
                           "error": analysis.error.unwrap_or_else(|| "Analysis failed".to_owned())})
                };
                send(frame).await;
                return;
            }
        }
    }
}

/// Whether analysis is available and which provider answers.
#[utoipa::path(get, path = "/analyze/status", tag = "analysis", security(("bearer" = [])),
    responses((status = 200, body = AnalyzeStatus), (status = 401)))]
pub(crate) async fn analyze_status(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> Json<AnalyzeStatus> {
    let provider = serde_json::to_value(state.services().analyzer.provider())
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned));
    Json(AnalyzeStatus {
        available: true,
        provider,
    })
}
