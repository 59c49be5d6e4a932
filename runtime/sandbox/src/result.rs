//! The ExecutionResult of docs/api.md, built by the host from what it observed.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One offending node found by the Python-level validator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SecurityViolation {
    /// 1-based line of the node (as Python's `ast` reports it).
    pub line: i64,
    /// Column of the node: 0-based for AST nodes, 1-based for syntax errors, as Python reports them.
    pub column: i64,
    /// The message users of the original system saw.
    pub message: String,
}

/// The outcome of one execution, shaped exactly as docs/api.md's ExecutionResult.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExecutionResult {
    /// True when the code ran to completion without an uncaught exception.
    pub success: bool,
    /// Captured standard output, cut at the configured limit.
    pub stdout: String,
    /// Captured standard error (tracebacks included), cut at the configured limit.
    pub stderr: String,
    /// `str(exception)` or a description of how the process ended.
    pub error: Option<String>,
    /// The exception class name or the kind of termination.
    pub error_type: Option<String>,
    /// Wall time of the user code, measured by the host.
    pub execution_time_ms: f64,
    /// True when the wall-clock timer killed the execution.
    pub timed_out: bool,
    /// True when stdout or stderr was cut.
    pub truncated: bool,
    /// Validator findings; non-empty only when nothing ran.
    pub security_violations: Vec<SecurityViolation>,
    /// True when the run was stopped on request (the user's Stop) before it ended.
    #[serde(default)]
    #[schema(required = true)]
    pub cancelled: bool,
    /// How much the program wrote, counted past the cut; present whenever `truncated` is, so a
    /// client can say how much of the output it shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_size: Option<OutputSize>,
}

/// The size of one output stream as the program wrote it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StreamSize {
    /// Bytes written.
    pub bytes: u64,
    /// Lines written (a last line without its newline counts).
    pub lines: u64,
}

impl StreamSize {
    /// The size of `text`, for output that was not counted while it was written.
    pub fn of(text: &str) -> Self {
        let mut size = Self::default();
        size.add(text.as_bytes());
        size.finish(text.as_bytes().last().copied())
    }

    /// Counts `chunk`, the next bytes of the stream.
    pub(crate) fn add(&mut self, chunk: &[u8]) {
        self.bytes += chunk.len() as u64;
        self.lines += chunk.iter().filter(|byte| **byte == b'\n').count() as u64;
    }

    /// The total once the stream ended with `last` (an unterminated last line is a line).
    pub(crate) fn finish(mut self, last: Option<u8>) -> Self {
        if last.is_some_and(|byte| byte != b'\n') {
            self.lines += 1;
        }
        self
    }
}

/// The sizes of both streams as written, before any cut.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OutputSize {
    /// Standard output.
    pub stdout: StreamSize,
    /// Standard error.
    pub stderr: StreamSize,
}

impl OutputSize {
    /// The sizes of output that was kept whole.
    pub fn of(stdout: &str, stderr: &str) -> Self {
        Self {
            stdout: StreamSize::of(stdout),
            stderr: StreamSize::of(stderr),
        }
    }
}

impl ExecutionResult {
    /// A failed result with no output, for errors found before or around the user code.
    pub fn failure(error: impl Into<String>, error_type: impl Into<String>) -> Self {
        Self {
            success: false,
            stdout: String::new(),
            stderr: String::new(),
            error: Some(error.into()),
            error_type: Some(error_type.into()),
            execution_time_ms: 0.0,
            timed_out: false,
            truncated: false,
            security_violations: Vec::new(),
            cancelled: false,
            output_size: None,
        }
    }

    /// The result of a run stopped on request before it started: nothing ran.
    pub fn cancelled_before_start() -> Self {
        Self {
            cancelled: true,
            ..Self::failure(
                "Execution stopped on request before it started",
                "Cancelled",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_sizes_count_an_unterminated_last_line() {
        assert_eq!(StreamSize::of(""), StreamSize { bytes: 0, lines: 0 });
        assert_eq!(StreamSize::of("a\nb\n"), StreamSize { bytes: 4, lines: 2 });
        assert_eq!(StreamSize::of("a\nb"), StreamSize { bytes: 3, lines: 2 });
        assert_eq!(StreamSize::of("\n\n"), StreamSize { bytes: 2, lines: 2 });
    }

    #[test]
    fn results_stored_before_the_new_fields_still_read() {
        let old = r#"{"success":true,"stdout":"","stderr":"","error":null,"error_type":null,
            "execution_time_ms":1.0,"timed_out":false,"truncated":false,"security_violations":[]}"#;
        let result: ExecutionResult = serde_json::from_str(old).unwrap();
        assert!(!result.cancelled);
        assert!(result.output_size.is_none());
    }
}
