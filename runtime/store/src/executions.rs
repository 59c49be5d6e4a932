//! Executions: one row per job, moving queued → running → succeeded | failed | timed_out |
//! cancelled. A user's Stop ends a queued job at once and marks a running one for its worker.
//!
//! Every transition is conditional on the current state, so a redelivered message (SQS delivers at
//! least once) never runs a finished job again nor overwrites its stored result.

use code_remote_domain::{ConnectionId, ExecutionStatus, JobId, UserId};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{Store, StoreError};

/// The SHA-256 of the code, stored instead of the code itself.
pub fn code_sha256(code: &str) -> Vec<u8> {
    Sha256::digest(code.as_bytes()).to_vec()
}

/// How long an unfinished job counts against its user's share: far longer than a job can
/// legitimately wait (a user's jobs run one after another, 30 s at most each).
pub const PENDING_WINDOW_MINUTES: i32 = 15;

/// Whether the API may queue a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Recorded as queued: send it.
    Queued,
    /// The result's connection is not one the user holds.
    ConnectionNotFound,
    /// The user already has their share of unfinished jobs.
    TooManyPending,
}

/// What the worker should do with a job it took from the queue.
#[derive(Debug, Clone, PartialEq)]
pub enum StartOutcome {
    /// The job is marked running: execute it.
    Run,
    /// The job is marked running again (a redelivery) but its user stopped it meanwhile: record
    /// it as stopped without running the code.
    Stopped,
    /// The job already has a result (a redelivery): do not run it again.
    AlreadyFinished(StoredExecution),
}

/// What a user's request to stop a job found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
    /// The job was still queued: it is cancelled and will not run.
    Cancelled,
    /// The job is running: its worker was asked to stop it and pushes the result.
    Stopping,
    /// The job had already ended with this status.
    Finished(ExecutionStatus),
    /// No job of this user has that id.
    NotFound,
}

/// A job's stored state.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredExecution {
    /// Where the job is.
    pub status: ExecutionStatus,
    /// The ExecutionResult, once finished.
    pub result: Option<Value>,
}

impl Store {
    /// Records a job the API accepts, in one round trip with the two checks before it: the
    /// result's connection must be one `user` holds, and `user` must have fewer than `limit`
    /// unfinished jobs of the last [`PENDING_WINDOW_MINUTES`] minutes (a job whose worker died
    /// long ago stops counting). Idempotent on `job`.
    pub async fn admit_execution(
        &self,
        job: JobId,
        user: UserId,
        code: &str,
        connection: &ConnectionId,
        limit: i64,
    ) -> Result<Admission, StoreError> {
        let row = sqlx::query(
            "WITH owned AS (
                 SELECT EXISTS (SELECT 1 FROM connections WHERE id = $4 AND user_id = $2) AS yes
             ), pending AS (
                 SELECT count(*) AS n FROM executions
                 WHERE user_id = $2 AND status IN ('queued', 'running')
                   AND queued_at > now() - make_interval(mins => $6)
             ), admitted AS (
                 INSERT INTO executions (id, user_id, code_sha256, status)
                 SELECT $1, $2, $3, 'queued'
                 WHERE (SELECT yes FROM owned) AND (SELECT n FROM pending) < $5
                 ON CONFLICT (id) DO NOTHING
                 RETURNING id
             )
             SELECT (SELECT yes FROM owned) AS owned, (SELECT n FROM pending) AS pending,
                    (SELECT count(*) FROM admitted) AS admitted",
        )
        .bind(job.as_uuid())
        .bind(user.as_uuid())
        .bind(code_sha256(code))
        .bind(connection.as_str())
        .bind(limit)
        .bind(PENDING_WINDOW_MINUTES)
        .fetch_one(&self.pool)
        .await?;
        Ok(if !row.try_get::<bool, _>("owned")? {
            Admission::ConnectionNotFound
        } else if row.try_get::<i64, _>("pending")? >= limit {
            Admission::TooManyPending
        } else {
            Admission::Queued
        })
    }

    /// Marks a job running (creating its row if the API's write is missing), unless it has finished.
    pub async fn start_execution(
        &self,
        job: JobId,
        user: UserId,
        code: &str,
    ) -> Result<StartOutcome, StoreError> {
        let started = sqlx::query(
            "INSERT INTO executions (id, user_id, code_sha256, status, started_at)
             VALUES ($1, $2, $3, 'running', now())
             ON CONFLICT (id) DO UPDATE SET status = 'running', started_at = now()
                 WHERE executions.status IN ('queued', 'running')
             RETURNING cancel_requested_at IS NOT NULL AS stopped",
        )
        .bind(job.as_uuid())
        .bind(user.as_uuid())
        .bind(code_sha256(code))
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = started {
            return Ok(if row.try_get::<bool, _>("stopped")? {
                StartOutcome::Stopped
            } else {
                StartOutcome::Run
            });
        }
        match self.execution(job).await? {
            Some(stored) => Ok(StartOutcome::AlreadyFinished(stored)),
            None => Err(StoreError::Corrupt(format!("execution {job} vanished"))),
        }
    }

    /// Stores a job's result; `false` when it was already finished (the first result wins).
    pub async fn finish_execution(
        &self,
        job: JobId,
        status: ExecutionStatus,
        result: &Value,
    ) -> Result<bool, StoreError> {
        let finished = sqlx::query(
            "UPDATE executions SET status = $2, result = $3, finished_at = now()
             WHERE id = $1 AND status IN ('queued', 'running')",
        )
        .bind(job.as_uuid())
        .bind(status.as_str())
        // JSON text, not jsonb: a run's output may hold any byte, NUL included, which jsonb
        // refuses; serde escapes it as `\u0000` and reads it back.
        .bind(result.to_string())
        .execute(&self.pool)
        .await?;
        Ok(finished.rows_affected() == 1)
    }

    /// Marks an unfinished job failed with a short result naming `reason`, for when its real
    /// result could not be stored; `false` when it was already finished.
    pub async fn fail_execution(&self, job: JobId, reason: &str) -> Result<bool, StoreError> {
        let result = serde_json::json!({
            "success": false,
            "error": reason,
            "error_type": "StoreError",
        });
        self.finish_execution(job, ExecutionStatus::Failed, &result)
            .await
    }

    /// Stops `user`'s job `job`: a queued job is finished at once as `cancelled` with `result`
    /// (its worker, when it takes the message, pushes that result instead of running the code);
    /// a running job gets `cancel_requested_at`, which its worker polls. Another user's job is
    /// [`CancelOutcome::NotFound`], as an unknown one is.
    pub async fn cancel_execution(
        &self,
        job: JobId,
        user: UserId,
        result: &Value,
    ) -> Result<CancelOutcome, StoreError> {
        let row = sqlx::query(
            "WITH target AS (
                 SELECT id, status FROM executions WHERE id = $1 AND user_id = $2 FOR UPDATE
             ), changed AS (
                 UPDATE executions e
                 SET cancel_requested_at = coalesce(e.cancel_requested_at, now()),
                     status = CASE WHEN t.status = 'queued' THEN 'cancelled' ELSE e.status END,
                     result = CASE WHEN t.status = 'queued' THEN $3 ELSE e.result END,
                     finished_at = CASE WHEN t.status = 'queued' THEN now() ELSE e.finished_at END
                 FROM target t
                 WHERE e.id = t.id AND t.status IN ('queued', 'running')
                 RETURNING e.id
             )
             SELECT t.status FROM target t",
        )
        .bind(job.as_uuid())
        .bind(user.as_uuid())
        .bind(result.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(CancelOutcome::NotFound);
        };
        let status: String = row.try_get("status")?;
        Ok(match ExecutionStatus::parse(&status) {
            Some(ExecutionStatus::Queued) => CancelOutcome::Cancelled,
            Some(ExecutionStatus::Running) => CancelOutcome::Stopping,
            Some(finished) => CancelOutcome::Finished(finished),
            None => return Err(StoreError::Corrupt(format!("execution status {status:?}"))),
        })
    }

    /// Whether the user asked to stop `job`; the worker running it polls this.
    pub async fn cancel_requested(&self, job: JobId) -> Result<bool, StoreError> {
        let requested: Option<bool> = sqlx::query_scalar(
            "SELECT cancel_requested_at IS NOT NULL FROM executions WHERE id = $1",
        )
        .bind(job.as_uuid())
        .fetch_optional(&self.pool)
        .await?;
        Ok(requested.unwrap_or(false))
    }

    /// A job's stored state, if the job is known.
    pub async fn execution(&self, job: JobId) -> Result<Option<StoredExecution>, StoreError> {
        let row = sqlx::query("SELECT status, result FROM executions WHERE id = $1")
            .bind(job.as_uuid())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let status: String = row.try_get("status")?;
        let status = ExecutionStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("execution status {status:?}")))?;
        let result = match row.try_get::<Option<String>, _>("result")? {
            None => None,
            Some(text) => Some(serde_json::from_str(&text).map_err(|err| {
                StoreError::Corrupt(format!("the stored result of execution {job}: {err}"))
            })?),
        };
        Ok(Some(StoredExecution { status, result }))
    }
}
