//! Execution requests, the queue message that carries a job to the worker, and job states.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

use crate::ids::{ConnectionId, JobId, UserId};
use crate::validation::{FieldReader, Length, ValidationErrors, ValidationIssue};

/// Code accepted for execution: 1 to 10 240 characters.
pub const EXECUTION_CODE_LENGTH: Length = Length {
    min: 1,
    max: 10_240,
};

/// The longest run a user may ask for, in seconds.
pub const MAX_TIMEOUT_SECONDS: f64 = 30.0;

/// The shortest run a user may ask for, in seconds: below it the limit is smaller than the
/// interpreter's own start, so every run would time out (and `1e-300` is no limit anyone means).
pub const MIN_TIMEOUT_SECONDS: f64 = 0.1;

/// A run's wall-clock limit: at least 0.1 and at most 30 seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct TimeoutSeconds(f64);

impl TimeoutSeconds {
    /// The limit as a duration, for the sandbox.
    pub fn as_duration(&self) -> Duration {
        Duration::from_secs_f64(self.0)
    }

    /// The limit in seconds.
    pub fn as_secs_f64(&self) -> f64 {
        self.0
    }
}

impl Default for TimeoutSeconds {
    fn default() -> Self {
        Self(MAX_TIMEOUT_SECONDS)
    }
}

impl TryFrom<f64> for TimeoutSeconds {
    type Error = String;

    fn try_from(value: f64) -> Result<Self, Self::Error> {
        if (MIN_TIMEOUT_SECONDS..=MAX_TIMEOUT_SECONDS).contains(&value) {
            Ok(Self(value))
        } else {
            Err(format!(
                "timeout_seconds must be in [{MIN_TIMEOUT_SECONDS}, {MAX_TIMEOUT_SECONDS}], got {value}"
            ))
        }
    }
}

impl From<TimeoutSeconds> for f64 {
    fn from(timeout: TimeoutSeconds) -> Self {
        timeout.0
    }
}

/// A validated `POST /execute` or `POST /execute/async` body.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecuteRequest {
    /// The Python source to run.
    pub code: String,
    /// Where the result goes; present only for the asynchronous route.
    pub connection_id: Option<ConnectionId>,
    /// The wall-clock limit.
    pub timeout: TimeoutSeconds,
}

impl ExecuteRequest {
    /// Parses a `POST /execute` body.
    pub fn parse_sync(body: &Value) -> Result<Self, ValidationErrors> {
        Self::parse(body, false)
    }

    /// Parses a `POST /execute/async` body, which also names the WebSocket connection.
    pub fn parse_async(body: &Value) -> Result<Self, ValidationErrors> {
        Self::parse(body, true)
    }

    fn parse(body: &Value, needs_connection: bool) -> Result<Self, ValidationErrors> {
        let mut reader = FieldReader::body(body)?;
        let code = reader.required_string("code", EXECUTION_CODE_LENGTH);
        let connection = if needs_connection {
            reader.required_string("connection_id", Length { min: 1, max: 256 })
        } else {
            None
        };
        let timeout = reader.optional_positive_number(
            "timeout_seconds",
            MIN_TIMEOUT_SECONDS,
            MAX_TIMEOUT_SECONDS,
        );
        reader.finish()?;
        let connection_id = match connection {
            Some(raw) => Some(ConnectionId::parse(raw).map_err(|err| {
                ValidationErrors::single(ValidationIssue::new(
                    &["body", "connection_id"],
                    format!("Value error, {err}"),
                    "value_error",
                ))
            })?),
            None => None,
        };
        let timeout = match timeout {
            Some(seconds) => TimeoutSeconds(seconds),
            None => TimeoutSeconds::default(),
        };
        Ok(Self {
            code: code.unwrap_or_default(),
            connection_id,
            timeout,
        })
    }
}

/// The body of an execution queue message (SQS FIFO): everything the worker needs to run a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionJob {
    /// The job id; also the SQS deduplication id.
    pub job_id: JobId,
    /// The owner's row id; the result is pushed only to a connection of this user.
    pub user_id: UserId,
    /// The WebSocket connection that asked for the run.
    pub connection_id: ConnectionId,
    /// The Python source.
    pub code: String,
    /// The wall-clock limit.
    pub timeout_seconds: TimeoutSeconds,
}

impl ExecutionJob {
    /// Parses a queue message body, refusing code outside the accepted length.
    pub fn parse(body: &str) -> Result<Self, InvalidJob> {
        let job: Self = serde_json::from_str(body).map_err(InvalidJob::Json)?;
        let length = job.code.chars().count();
        if !(EXECUTION_CODE_LENGTH.min..=EXECUTION_CODE_LENGTH.max).contains(&length) {
            return Err(InvalidJob::CodeLength(length));
        }
        Ok(job)
    }
}

/// Why a queue message is not a runnable job.
#[derive(Debug, thiserror::Error)]
pub enum InvalidJob {
    /// The body is not a job in JSON.
    #[error("the message body is not an execution job: {0}")]
    Json(serde_json::Error),
    /// The code is empty or too long.
    #[error("the job's code has {0} characters; 1 to 10240 are accepted")]
    CodeLength(usize),
}

/// Where a job is in its life: queued by the API, running in a worker, then one of four ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecutionStatus {
    /// Accepted and on the queue.
    Queued,
    /// Taken by a worker.
    Running,
    /// Ran and ended without an error.
    Succeeded,
    /// Ran and ended with an error, or was refused by the sandbox.
    Failed,
    /// Stopped at its time limit.
    TimedOut,
    /// Stopped on its user's request, before it started or while it ran.
    Cancelled,
}

impl ExecutionStatus {
    /// The value stored in `executions.status`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::TimedOut => "timed_out",
            Self::Cancelled => "cancelled",
        }
    }

    /// Reads a stored status; `None` for a value this version does not know.
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "queued" => Self::Queued,
            "running" => Self::Running,
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            "timed_out" => Self::TimedOut,
            "cancelled" => Self::Cancelled,
            _ => return None,
        })
    }

    /// Whether the job has ended (a result is stored).
    pub fn is_finished(&self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::TimedOut | Self::Cancelled
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn async_request_needs_a_connection_and_bounds_the_timeout() {
        let errors =
            ExecuteRequest::parse_async(&json!({"code": "print(1)", "timeout_seconds": 31}))
                .unwrap_err();
        let locs: Vec<_> = errors.0.iter().map(|i| i.loc.join(".")).collect();
        assert_eq!(locs, ["body.connection_id", "body.timeout_seconds"]);
    }

    #[test]
    fn a_vanishing_timeout_is_refused_and_jobs_cannot_carry_one() {
        let errors =
            ExecuteRequest::parse_sync(&json!({"code": "print(1)", "timeout_seconds": 1e-300}))
                .unwrap_err();
        assert_eq!(errors.0[0].kind, "greater_than_equal");
        assert!(ExecuteRequest::parse_sync(&json!({"code": "1", "timeout_seconds": 0.1})).is_ok());
        assert!(TimeoutSeconds::try_from(0.01).is_err());
    }

    #[test]
    fn sync_request_defaults_the_timeout() {
        let request = ExecuteRequest::parse_sync(&json!({"code": "print(1)"})).unwrap();
        assert_eq!(request.timeout.as_secs_f64(), 30.0);
        assert!(request.connection_id.is_none());
    }

    #[test]
    fn job_round_trips_and_rejects_garbage() {
        let job = ExecutionJob {
            job_id: JobId::generate(),
            user_id: UserId::generate(),
            connection_id: ConnectionId::parse("abc=").unwrap(),
            code: "print(1)".into(),
            timeout_seconds: TimeoutSeconds::default(),
        };
        let body = serde_json::to_string(&job).unwrap();
        assert_eq!(ExecutionJob::parse(&body).unwrap(), job);
        assert!(ExecutionJob::parse("{not json").is_err());
        let zero = body.replace("30.0", "0.0");
        assert!(ExecutionJob::parse(&zero).is_err());
    }

    #[test]
    fn statuses_round_trip() {
        for status in [
            ExecutionStatus::Queued,
            ExecutionStatus::Running,
            ExecutionStatus::Succeeded,
            ExecutionStatus::Failed,
            ExecutionStatus::TimedOut,
            ExecutionStatus::Cancelled,
        ] {
            assert_eq!(ExecutionStatus::parse(status.as_str()), Some(status));
        }
    }
}
