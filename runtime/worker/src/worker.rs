//! One job, from queue message to stored and pushed result.

use code_remote_domain::execution::InvalidJob;
use code_remote_domain::{ExecutionJob, ExecutionStatus};
use code_remote_queue::MessageHandler;
use code_remote_sandbox::{ExecutionResult, Sandbox};
use code_remote_store::{StartOutcome, Store, StoreError};
use code_remote_ws::{PushError, PushOutcome, Pusher};
use std::sync::Arc;
use std::time::Duration;

use crate::execution_result_frame;

/// How often a running job's row is read for a user's Stop: a stopped run ends within about
/// this long (plus the kill and the push), at one indexed read per interval per running job.
const CANCEL_POLL: Duration = Duration::from_millis(200);

/// Why a message failed; it stays on the queue and is retried (then dead-lettered).
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The body is not a job (a poison message).
    #[error(transparent)]
    InvalidJob(#[from] InvalidJob),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Pushing the result failed for a reason other than a gone connection.
    #[error(transparent)]
    Push(#[from] PushError),
    /// The stored result could not be read back.
    #[error("stored result of job {0} is unreadable: {1}")]
    StoredResult(String, serde_json::Error),
}

/// Runs jobs; one per process, shared by every message.
#[derive(Clone)]
pub struct Worker {
    store: Store,
    sandbox: Arc<Sandbox>,
    pusher: Pusher,
}

impl Worker {
    /// A worker storing into `store`, running in `sandbox`, pushing through `pusher`.
    pub fn new(store: Store, sandbox: Arc<Sandbox>, pusher: Pusher) -> Self {
        Self {
            store,
            sandbox,
            pusher,
        }
    }

    /// Jobs this worker runs at once: the sandbox's slots.
    pub fn slots(&self) -> usize {
        self.sandbox.config().max_concurrency
    }

    /// Handles one message body. A redelivered job that already finished is not run again: its
    /// stored result is pushed instead, so a retry after a failed push still reaches the user.
    pub async fn handle(&self, body: &str) -> Result<(), WorkerError> {
        let job = ExecutionJob::parse(body)?;
        let result = match self
            .store
            .start_execution(job.job_id, job.user_id, &job.code)
            .await?
        {
            StartOutcome::AlreadyFinished(stored) => {
                let Some(value) = stored.result else {
                    return Ok(());
                };
                serde_json::from_value(value)
                    .map_err(|err| WorkerError::StoredResult(job.job_id.to_string(), err))?
            }
            // A redelivered job whose user stopped it while its first worker had it: not run again.
            StartOutcome::Stopped => {
                let result = ExecutionResult::cancelled_before_start();
                self.store(&job, &result).await?;
                result
            }
            StartOutcome::Run => {
                let result = self
                    .sandbox
                    .execute_until(
                        &job.code,
                        job.timeout_seconds.as_duration(),
                        self.stop_requested(&job),
                    )
                    .await;
                if let Err(error) = self.store(&job, &result).await {
                    self.record_unstored(&job, &error).await;
                }
                result
            }
        };
        self.push(&job, &result).await
    }

    /// The run happened but its result could not be stored: the user still gets the result
    /// (pushed next), and the row is marked failed so it does not stay `running`. The message
    /// is not retried for this: a retry would find the job unfinished and run the code again.
    async fn record_unstored(&self, job: &ExecutionJob, error: &WorkerError) {
        tracing::error!(job = %job.job_id, %error, "storing the result failed; pushing it anyway");
        if let Err(error) = self
            .store
            .fail_execution(job.job_id, "the result could not be stored")
            .await
        {
            tracing::error!(job = %job.job_id, %error, "the job could not be marked failed either");
        }
    }

    /// Completes when the job's user asks to stop it. A failed read is logged and the next one
    /// tried: the run still ends at its time limit, so a database hiccup never stops it early.
    async fn stop_requested(&self, job: &ExecutionJob) {
        loop {
            tokio::time::sleep(CANCEL_POLL).await;
            match self.store.cancel_requested(job.job_id).await {
                Ok(true) => {
                    tracing::info!(job = %job.job_id, "stop requested; killing the run");
                    return;
                }
                Ok(false) => {}
                Err(error) => {
                    tracing::warn!(job = %job.job_id, %error, "reading the stop request failed")
                }
            }
        }
    }

    async fn store(&self, job: &ExecutionJob, result: &ExecutionResult) -> Result<(), WorkerError> {
        let status = if result.cancelled {
            ExecutionStatus::Cancelled
        } else if result.timed_out {
            ExecutionStatus::TimedOut
        } else if result.success {
            ExecutionStatus::Succeeded
        } else {
            ExecutionStatus::Failed
        };
        let value = serde_json::to_value(result)
            .map_err(|err| WorkerError::StoredResult(job.job_id.to_string(), err))?;
        let first = self
            .store
            .finish_execution(job.job_id, status, &value)
            .await?;
        tracing::info!(job = %job.job_id, status = status.as_str(), first, "job finished");
        Ok(())
    }

    async fn push(&self, job: &ExecutionJob, result: &ExecutionResult) -> Result<(), WorkerError> {
        let owner = self.store.connection_owner(&job.connection_id).await?;
        if owner != Some(job.user_id) {
            tracing::warn!(
                job = %job.job_id,
                connection = %job.connection_id,
                "the connection is closed or belongs to another user; the result is stored only"
            );
            return Ok(());
        }
        let frame = execution_result_frame(job.job_id, result);
        match self.pusher.push(&job.connection_id, frame).await? {
            PushOutcome::Delivered => {}
            PushOutcome::Gone => {
                tracing::info!(job = %job.job_id, "the connection is gone; the result is stored only");
                self.store.close_connection(&job.connection_id).await?;
            }
        }
        Ok(())
    }
}

impl MessageHandler for Worker {
    type Error = WorkerError;

    async fn handle(&self, body: String) -> Result<(), WorkerError> {
        Worker::handle(self, &body).await
    }
}
