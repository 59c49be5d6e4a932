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
