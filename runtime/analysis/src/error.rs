//! The library's error type.

use std::time::Duration;

/// What went wrong talking to a provider or building one.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// The request could not be sent or the connection broke (the URL and key are never included).
    #[error("gemini request failed: {0}; check the network and the base url")]
    Http(String),
    /// Gemini answered with an error status after all retries.
    #[error("gemini returned status {status}: {message}")]
    Status {
        /// HTTP status.
        status: u16,
        /// Gemini's error message, or the start of the body.
        message: String,
    },
    /// No answer within the configured timeout.
    #[error("gemini did not answer within {0:?}; retry later or raise the timeout")]
    Timeout(Duration),
    /// Gemini answered with a shape this client does not understand.
    #[error("unexpected gemini reply: {0}")]
    Shape(String),
    /// The offline model failed to embed.
    #[error("offline embedding failed: {0}")]
    Embedding(String),
    /// The configuration cannot work.
    #[error("invalid analysis configuration: {0}")]
    Config(String),
}
