//! Structured logs for the runtime binaries: one JSON object per line (what CloudWatch Logs
//! Insights queries), filtered by `RUST_LOG`, `info` when it is unset or invalid.

use tracing_subscriber::EnvFilter;

/// Installs the process-wide JSON log subscriber. Call once, first thing in `main`, so that
/// configuration errors reported next are logged in the same shape as everything after them.
pub fn init_json_logs() {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
}

/// The message [`log_ready`] logs, which `deploy rehearse` looks for.
pub const READY_MESSAGE: &str = "ready for invocations";

/// Logs [`READY_MESSAGE`] with `init_ms`, the milliseconds since `started` (the start of
/// `main`): the function's own share of a cold start, which `deploy rehearse` reports and
/// CloudWatch Logs Insights can chart.
pub fn log_ready(started: std::time::Instant) {
    let init_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    tracing::info!(init_ms, "{READY_MESSAGE}");
}
