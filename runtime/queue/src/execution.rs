//! The execution queue: the API sends jobs, the worker takes them.

use code_remote_domain::ExecutionJob;

use crate::{Queue, QueueError};

/// The execution queue, on either engine.
#[derive(Debug, Clone)]
pub struct ExecutionQueue {
    queue: Queue,
}

impl ExecutionQueue {
    /// The execution queue over `queue`.
    pub fn new(queue: Queue) -> Self {
        Self { queue }
    }

    /// The underlying queue, which the worker consumes.
    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    /// Sends `job` in the message group `group` (the owner's Cognito `sub`), deduplicated on
    /// its id.
    pub async fn send(&self, job: &ExecutionJob, group: &str) -> Result<(), QueueError> {
        let body = serde_json::to_string(job)?;
        self.queue.send(&body, group, &job.job_id.to_string()).await
    }
}
