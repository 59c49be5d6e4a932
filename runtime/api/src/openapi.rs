//! The OpenAPI 3.1 document, generated from the route annotations and the types the handlers
//! answer with, served at `/openapi.json`. The web app's API types are generated from it
//! (`frontend/src/api/openapi.json`, kept current by the test below).

use axum::Json;
use code_remote_domain::{Page, Snippet, SnippetSummary, ValidationIssue};
use code_remote_sandbox::{ExecutionResult, OutputSize, SecurityViolation, StreamSize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::*;

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
                       ExecuteBody, AsyncExecuteBody, JobAccepted, JobStop, ExecutionResult,
                       SecurityViolation, OutputSize, StreamSize, SnippetBody, SnippetUpdateBody,
                       Deleted, AnalyzeBody, AnalyzeAsyncBody, AnalysisAccepted, AnalyzeResponse,
                       AnalyzeStatus,
                       SearchResult, SearchResponse, ComplexityResponse, SimilarResponse)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// `GET /openapi.json`.
pub(crate) async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The copy the web app generates its API types from (`npm run api-types` in frontend/).
    const WEB_APP_COPY: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../frontend/src/api/openapi.json"
    );

    #[test]
    fn the_web_apps_copy_of_the_document_is_current() {
        let current = serde_json::to_string_pretty(&ApiDoc::openapi()).expect("document") + "\n";
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(WEB_APP_COPY, &current).expect("write the web app's copy");
            return;
        }
        let copy = std::fs::read_to_string(WEB_APP_COPY).unwrap_or_default();
        assert!(
            copy == current,
            "frontend/src/api/openapi.json is not the API's document: run \
             `UPDATE_SNAPSHOTS=1 cargo nextest run -p code-remote-api openapi`, then \
             `npm run api-types` in frontend/"
        );
    }
}
