//! The OpenAPI 3.1 document, generated from the route annotations, served at `/openapi.json`.
//!
//! Request bodies are parsed by hand (to report every invalid field in the contract's 422 shape),
//! so their schemas are described here by the structs below, which exist for the document only.

use axum::Json;
use code_remote_domain::{Page, Snippet, SnippetSummary, ValidationIssue};
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::routes::{
    __path_analyze, __path_analyze_async, __path_analyze_status, __path_by_complexity,
    __path_cancel_execution, __path_create_snippet, __path_delete_snippet, __path_execute,
    __path_execute_async, __path_get_snippet, __path_health, __path_list_snippets, __path_search,
    __path_similar, __path_star_snippet, __path_update_snippet, AnalyzeResponse, AnalyzeStatus,
    ComplexityResponse, SearchResponse, SearchResult, SimilarResponse,
};

/// Body of `POST /execute`.
#[derive(Serialize, ToSchema)]
pub struct ExecuteBody {
    /// Python source, 1..=10240 characters.
    #[schema(min_length = 1, max_length = 10240, pattern = "^[^\\u0000]*$")]
    pub code: String,
    /// Wall-clock limit, 0.1 <= t <= 30 (default 30).
    #[schema(minimum = 0.1, maximum = 30.0)]
    pub timeout_seconds: Option<f64>,
}

/// Body of `POST /execute/async`.
#[derive(Serialize, ToSchema)]
pub struct AsyncExecuteBody {
    /// Python source, 1..=10240 characters.
    #[schema(min_length = 1, max_length = 10240, pattern = "^[^\\u0000]*$")]
    pub code: String,
    /// The caller's WebSocket connection (open, and the caller's own), 1..=256 characters of
    /// letters, digits and `=-_+/`.
    #[schema(min_length = 1, max_length = 256, pattern = "^[A-Za-z0-9=_+/-]+$")]
    pub connection_id: String,
    /// Wall-clock limit, 0.1 <= t <= 30 (default 30).
    #[schema(minimum = 0.1, maximum = 30.0)]
    pub timeout_seconds: Option<f64>,
}

/// Answer of `POST /execute/async`.
#[derive(Serialize, ToSchema)]
pub struct JobAccepted {
    /// The job id; the `execution_result` frame carries it.
    pub job_id: uuid::Uuid,
    /// Always `queued`.
    pub status: String,
}

/// Answer of `POST /execute/{job_id}/cancel`.
#[derive(Serialize, ToSchema)]
pub struct JobStop {
    /// The job.
    pub job_id: uuid::Uuid,
    /// `cancelled` (it was still queued: it never runs), `stopping` (its worker is killing it;
    /// the result follows on the WebSocket) or `ended` (it had already ended, its result sent).
    pub status: String,
}

/// How much a stream held as the program wrote it.
#[derive(Serialize, ToSchema)]
pub struct StreamSizeDoc {
    /// Bytes written.
    pub bytes: u64,
    /// Lines written.
    pub lines: u64,
}

/// The output's size before it was cut.
#[derive(Serialize, ToSchema)]
pub struct OutputSizeDoc {
    /// Standard output.
    pub stdout: StreamSizeDoc,
    /// Standard error.
    pub stderr: StreamSizeDoc,
}

/// One finding of the sandbox's validator.
#[derive(Serialize, ToSchema)]
pub struct SecurityViolationDoc {
    /// Line of the offending node.
    pub line: i64,
    /// Column of the offending node.
    pub column: i64,
    /// What is not allowed.
    pub message: String,
}

/// The outcome of one execution.
#[derive(Serialize, ToSchema)]
pub struct ExecutionResultDoc {
    /// Ran to completion without an uncaught exception.
    pub success: bool,
    /// Captured standard output.
    pub stdout: String,
    /// Captured standard error.
    pub stderr: String,
    /// The error message, if any.
    pub error: Option<String>,
    /// The error's class name, if any.
    pub error_type: Option<String>,
    /// Wall time of the user code.
    pub execution_time_ms: f64,
    /// Stopped at its time limit.
    pub timed_out: bool,
    /// Output was cut.
    pub truncated: bool,
    /// Validator findings; non-empty only when nothing ran.
    pub security_violations: Vec<SecurityViolationDoc>,
    /// Stopped on the user's request (`POST /execute/{job_id}/cancel`).
    pub cancelled: bool,
    /// How much the program wrote before the cut; present whenever `truncated` is true.
    pub output_size: Option<OutputSizeDoc>,
}

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
pub struct DeletedDoc {
    /// Always true.
    pub deleted: bool,
    /// The deleted snippet's id.
    pub id: uuid::Uuid,
}

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

/// Answer of `POST /analyze/async`.
#[derive(Serialize, ToSchema)]
pub struct AnalysisAccepted {
    /// The job id; every `analysis_stream_*` frame carries it.
    pub job_id: uuid::Uuid,
    /// Always `streaming`.
    pub status: String,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A Cognito ID token"))
                    .build(),
            ),
        );
    }
}

/// The API's OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Code Remote API", description = "Run, save and star Python snippets"),
    paths(health, execute, execute_async, cancel_execution, create_snippet, list_snippets, get_snippet,
          update_snippet, delete_snippet, star_snippet, analyze, analyze_async, analyze_status,
          search, by_complexity, similar),
    components(schemas(Snippet, SnippetSummary, Page<SnippetSummary>, ValidationIssue,
                       ExecuteBody, AsyncExecuteBody, JobAccepted, JobStop, ExecutionResultDoc,
                       SecurityViolationDoc, OutputSizeDoc, StreamSizeDoc, SnippetBody, SnippetUpdateBody, DeletedDoc, AnalyzeBody,
                       AnalyzeAsyncBody, AnalysisAccepted, AnalyzeResponse, AnalyzeStatus,
                       SearchResult, SearchResponse, ComplexityResponse, SimilarResponse)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// `GET /openapi.json`.
pub(crate) async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
