//! `GET /health`: liveness, and with `?deep=true` the database too.

use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::AppState;

/// Query of `GET /health`.
#[derive(Debug, Deserialize)]
pub(crate) struct HealthQuery {
    deep: Option<String>,
}

/// Liveness of the API (and of the database with `?deep=true`).
#[utoipa::path(get, path = "/health", tag = "health",
    params(("deep" = Option<bool>, Query, description = "also check the database")),
    responses((status = 200, description = "`{\"status\":\"healthy\",\"version\"}` plus `checks` when deep")))]
pub(crate) async fn health(
    State(state): State<AppState>,
    Query(query): Query<HealthQuery>,
) -> Json<Value> {
    let mut body = json!({"status": "healthy", "version": env!("CARGO_PKG_VERSION")});
    if query.deep.as_deref() == Some("true") {
        let database = if state.store().ping().await {
            "ok"
        } else {
            "error"
        };
        body["checks"] = json!({ "database": database });
    }
    Json(body)
}
