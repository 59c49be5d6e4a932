//! The route table and the middleware around it.

mod analysis;
mod execute;
mod health;
mod search;
mod snippets;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Method, Request, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use code_remote_config::CorsOrigins;
use serde_json::json;
use std::path::Path;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

use crate::{gateway, openapi, AppState};

pub(crate) use analysis::{
    __path_analyze, __path_analyze_async, __path_analyze_status, AnalysisAccepted,
    AnalyzeAsyncBody, AnalyzeBody, AnalyzeResponse, AnalyzeStatus,
};
pub(crate) use execute::{
    __path_cancel_execution, __path_execute, __path_execute_async, AsyncExecuteBody, ExecuteBody,
    JobAccepted, JobStop,
};
pub(crate) use health::__path_health;
pub(crate) use search::{
    __path_by_complexity, __path_search, __path_similar, ComplexityResponse, SearchResponse,
    SearchResult, SimilarResponse,
};
pub(crate) use snippets::{
    __path_create_snippet, __path_delete_snippet, __path_get_snippet, __path_list_snippets,
    __path_star_snippet, __path_update_snippet, Deleted, SnippetBody, SnippetUpdateBody,
};

/// Request bodies above this size are refused with 413.
const BODY_LIMIT: usize = 64 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole HTTP service for `state`.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(health::health))
        .route("/execute", post(execute::execute))
        .route("/execute/async", post(execute::execute_async))
        .route("/execute/{job_id}/cancel", post(execute::cancel_execution))
        .route(
            "/snippets",
            post(snippets::create_snippet).get(snippets::list_snippets),
        )
        .route(
            "/snippets/{id}",
            get(snippets::get_snippet)
                .put(snippets::update_snippet)
                .delete(snippets::delete_snippet),
        )
        .route("/snippets/{id}/star", post(snippets::star_snippet))
        .route("/analyze", post(analysis::analyze))
        .route("/analyze/async", post(analysis::analyze_async))
        .route("/analyze/status", get(analysis::analyze_status))
        .route("/search", get(search::search))
        .route("/search/complexity", get(search::by_complexity))
        .route("/search/similar/{id}", get(search::similar))
        .route("/openapi.json", get(openapi::serve))
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    let app = match state.gateway() {
        Some(_) => api.merge(gateway::routes()),
        None => api,
    };
    let cors = cors(state.cors());
    app.fallback(|| async { (StatusCode::NOT_FOUND, Json(json!({"detail": "Not Found"}))) })
        .with_state(state)
        .layer(cors)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let id = request
                    .headers()
                    .get(&REQUEST_ID)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default();
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Serves the built web app from `dir` for every path no route claims (`index.html` for client-side
/// routes), as the local stack's API process does; in AWS the app is on CloudFront instead.
pub fn with_frontend(router: Router, dir: &Path) -> Router {
    router.fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html"))))
}

fn cors(origins: &CorsOrigins) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([REQUEST_ID]);
    match origins {
        CorsOrigins::Any => layer.allow_origin(Any),
        CorsOrigins::List(list) => {
            let values: Vec<HeaderValue> = list
                .iter()
                .filter_map(|origin| HeaderValue::from_str(origin).ok())
                .collect();
            layer
                .allow_origin(AllowOrigin::list(values))
                .allow_credentials(true)
        }
    }
}
