//! The ExecutionResult of docs/api.md, built by the host from what it observed.

use serde::{Deserialize, Serialize};

/// One offending node found by the Python-level validator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityViolation {
    /// 1-based line of the node (as Python's `ast` reports it).
    pub line: i64,
    /// Column of the node: 0-based for AST nodes, 1-based for syntax errors, as Python reports them.
    pub column: i64,
    /// The message users of the original system saw.
    pub message: String,
}

/// The outcome of one execution, shaped exactly as docs/api.md's ExecutionResult.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
        }
    }
}
