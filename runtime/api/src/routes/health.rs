//! `GET /health`: liveness, and with `?deep=1` (or `true`) the database and which analysis
//! providers answer (`offline` until the stack's Gemini secret is set).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::AppState;

/// Query of `GET /health`.
#[derive(Debug, Deserialize)]
pub(crate) struct HealthQuery {
    deep: Option<String>,
}

/// Liveness of the API (and of the database, analysis and search with `?deep=1`).
#[utoipa::path(get, path = "/health", tag = "health",
    params(("deep" = Option<String>, Query, description = "`1` or `true`: also check the database and report the analysis providers")),
    responses(
        (status = 200, description = "`{\"status\":\"healthy\",\"version\"}` plus `checks` (`database`, `analysis`, `search`, `embedder`, `documents_to_reembed`, `search_ranking`) when deep"),
        (status = 503, description = "deep only: the database does not answer (`status` is `unhealthy`)")))]
pub(crate) async fn health(
    State(state): State<AppState>,
    Query(query): Query<HealthQuery>,
) -> (StatusCode, Json<Value>) {
    let mut body = json!({"status": "healthy", "version": env!("CARGO_PKG_VERSION")});
    let mut status = StatusCode::OK;
    if matches!(query.deep.as_deref(), Some("1" | "true")) {
        let database = if state.store().ping().await {
            "ok"
        } else {
            // A release whose functions cannot reach their database must fail the smoke test
            // that decides whether traffic stays on it.
            status = StatusCode::SERVICE_UNAVAILABLE;
            body["status"] = json!("unhealthy");
            "error"
        };
        let services = state.services();
        let search = if services.backend.is_some() {
            services.search_name
        } else {
            "unavailable"
        };
        let embedder = services.embedder.id();
        // Documents whose vectors another embedder wrote rank by their words only until
        // `deploy graph resync` re-embeds them (docs/search.md); `null` when the backend is down.
        let (to_reembed, ranking) = match &services.backend {
            Some(backend) => (
                backend.vector_spaces().await.ok().map(|spaces| {
                    spaces
                        .iter()
                        .filter(|(space, _)| *space != embedder)
                        .map(|(_, count)| count)
                        .sum::<u64>()
                }),
                backend.ranking().await.ok(),
            ),
            None => (None, None),
        };
        body["checks"] = json!({
            "database": database,
            "analysis": services.analysis_mode.as_str(),
            "search": search,
            "embedder": embedder,
            "documents_to_reembed": to_reembed,
            "search_ranking": ranking,
        });
    }
    (status, Json(body))
}
