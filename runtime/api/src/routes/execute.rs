//! `POST /execute` (run now, in this process), `POST /execute/async` (queue for the worker) and
//! `POST /execute/{job_id}/cancel` (the user's Stop).

use axum::extract::{Path, State};
use axum::Json;
use code_remote_domain::{ExecuteRequest, ExecutionJob, JobId, ValidationErrors, ValidationIssue};
use code_remote_sandbox::ExecutionResult;
use code_remote_store::{Admission, CancelOutcome};
use serde::Serialize;
use utoipa::ToSchema;

use crate::extract::JsonBody;
use crate::fairness::{ASYNC_RETRY_AFTER_SECS, PENDING_JOBS_PER_USER, SYNC_RETRY_AFTER_SECS};
use crate::{ApiError, AppState, CurrentUser};

/// Body of `POST /execute`.
#[derive(Serialize, ToSchema)]
pub struct ExecuteBody {
    /// Python source, 1..=10240 characters.
    #[schema(min_length = 1, max_length = 10240, pattern = "^[^\\u0000]*$")]
    pub code: String,
    /// Wall-clock limit, 0.1 <= t <= 30 (default 30).
    #[schema(minimum = 0.1, maximum = 30.0)]
    pub timeout_seconds: Option<f64>,
}

/// Body of `POST /execute/async`.
#[derive(Serialize, ToSchema)]
pub struct AsyncExecuteBody {
    /// Python source, 1..=10240 characters.
    #[schema(min_length = 1, max_length = 10240, pattern = "^[^\\u0000]*$")]
    pub code: String,
    /// The caller's WebSocket connection (open, and the caller's own), 1..=256 characters of
    /// letters, digits and `=-_+/`.
    #[schema(min_length = 1, max_length = 256, pattern = "^[A-Za-z0-9=_+/-]+$")]
    pub connection_id: String,
    /// Wall-clock limit, 0.1 <= t <= 30 (default 30).
    #[schema(minimum = 0.1, maximum = 30.0)]
    pub timeout_seconds: Option<f64>,
}

/// Answer of `POST /execute/async`.
#[derive(Serialize, ToSchema)]
pub struct JobAccepted {
    /// The job id; the `execution_result` frame carries it.
    pub job_id: uuid::Uuid,
    /// Always `queued`.
    pub status: String,
}

/// What a stop found, as `POST /execute/{job_id}/cancel` answers it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StopStatus {
    /// The job was still queued: it never runs.
    Cancelled,
    /// Its worker is killing it; the result follows on the WebSocket.
    Stopping,
    /// It had already ended, and its result was sent.
    Ended,
}

/// Answer of `POST /execute/{job_id}/cancel`.
#[derive(Serialize, ToSchema)]
pub struct JobStop {
    /// The job.
    pub job_id: uuid::Uuid,
    /// What the stop found.
    pub status: StopStatus,
}

/// Runs code in the sandbox and answers with its ExecutionResult.
#[utoipa::path(post, path = "/execute", tag = "execution", request_body = ExecuteBody,
    security(("bearer" = [])),
    responses((status = 200, body = ExecutionResult), (status = 401), (status = 422),
        (status = 429, description = "The caller already has its share of runs in flight; retry after `Retry-After` seconds")))]
pub(crate) async fn execute(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Json<ExecutionResult>, ApiError> {
    let request = ExecuteRequest::parse_sync(&body)?;
    let _slot = state
        .sync_slots()
        .take(user.id)
        .ok_or(ApiError::TooManyRequests {
            detail: "Too many executions in progress; wait for one to finish",
            retry_after_secs: SYNC_RETRY_AFTER_SECS,
        })?;
    let sandbox = state.sandbox().get().await?;
    Ok(Json(
        sandbox
            .execute(&request.code, request.timeout.as_duration())
            .await,
    ))
}

/// Queues code for the worker; the result arrives on the caller's WebSocket as `execution_result`.
#[utoipa::path(post, path = "/execute/async", tag = "execution", request_body = AsyncExecuteBody,
    security(("bearer" = [])),
    responses((status = 200, body = JobAccepted), (status = 401),
        (status = 404, description = "`connection_id` is not an open WebSocket connection of the caller"),
        (status = 422),
        (status = 429, description = "The caller already has its share of queued jobs; retry after `Retry-After` seconds")))]
pub(crate) async fn execute_async(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Json<JobAccepted>, ApiError> {
    let request = ExecuteRequest::parse_async(&body)?;
    let connection_id = request.connection_id.ok_or_else(|| {
        ValidationErrors::single(ValidationIssue::new(
            &["body", "connection_id"],
            "Field required",
            "missing",
        ))
    })?;
    let job = ExecutionJob {
        job_id: JobId::generate(),
        user_id: user.id,
        connection_id,
        code: request.code,
        timeout_seconds: request.timeout,
    };
    // The result goes to the job's connection: it must be one the caller opened and still holds
    // (the same answer as `POST /analyze/async`'s); the caller must be within their share.
    let admission = state
        .store()
        .admit_execution(
            job.job_id,
            job.user_id,
            &job.code,
            &job.connection_id,
            PENDING_JOBS_PER_USER,
        )
        .await?;
    match admission {
        Admission::Queued => {}
        Admission::ConnectionNotFound => return Err(ApiError::NotFound("Connection not found")),
        Admission::TooManyPending => {
            return Err(ApiError::TooManyRequests {
                detail: "Too many executions queued; wait for results to arrive",
                retry_after_secs: ASYNC_RETRY_AFTER_SECS,
            })
        }
    }
    state.queue().send(&job, &user.sub).await.map_err(|err| {
        tracing::error!(error = %err, "sending the job failed");
        ApiError::Unavailable("Execution queue unavailable")
    })?;
    Ok(Json(JobAccepted {
        job_id: job.job_id.as_uuid(),
        status: "queued".to_owned(),
    }))
}

/// Stops one of the caller's queued runs: a queued job is cancelled before it runs; a running
/// one is killed by its worker within a fraction of a second, and its `execution_result` (with
/// `cancelled: true` and the output written until then) arrives on the WebSocket as usual.
#[utoipa::path(post, path = "/execute/{job_id}/cancel", tag = "execution",
    params(("job_id" = uuid::Uuid, Path, description = "The id `POST /execute/async` answered")),
    security(("bearer" = [])),
    responses((status = 200, body = JobStop), (status = 401),
        (status = 404, description = "The caller has no job with this id"), (status = 422)))]
pub(crate) async fn cancel_execution(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(job_id): Path<String>,
) -> Result<Json<JobStop>, ApiError> {
    let job = JobId::parse_path(&job_id, "job_id")?;
    let never_ran = serde_json::to_value(ExecutionResult::cancelled_before_start())
        .map_err(|err| ApiError::Internal(err.to_string()))?;
    let status = match state
        .store()
        .cancel_execution(job, user.id, &never_ran)
        .await?
    {
        CancelOutcome::Cancelled => StopStatus::Cancelled,
        CancelOutcome::Stopping => StopStatus::Stopping,
        CancelOutcome::Finished(_) => StopStatus::Ended,
        CancelOutcome::NotFound => return Err(ApiError::NotFound("Job not found")),
    };
    Ok(Json(JobStop {
        job_id: job.as_uuid(),
        status,
    }))
}
