//! Sending, receiving and deleting execution jobs.

use aws_sdk_sqs::types::MessageSystemAttributeName;
use aws_sdk_sqs::Client;
use code_remote_domain::ExecutionJob;
use std::time::Duration;

/// An SQS request that failed.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// SQS refused the request or could not be reached.
    #[error(
        "SQS request failed (check EXECUTION_QUEUE_URL, AWS_ENDPOINT_URL and credentials): {0}"
    )]
    Sqs(String),
    /// The job could not be encoded.
    #[error("could not encode the job: {0}")]
    Encode(#[from] serde_json::Error),
}

pub(crate) fn sqs<E: std::error::Error>(err: E) -> QueueError {
    QueueError::Sqs(aws_sdk_sqs::error::DisplayErrorContext(err).to_string())
}

/// A message taken from the queue, invisible to others until deleted or its visibility times out.
#[derive(Debug, Clone)]
pub struct ReceivedMessage {
    /// The message id (what a partial-batch response names).
    pub id: String,
    /// The handle that deletes it.
    pub receipt_handle: String,
    /// Its FIFO message group.
    pub group: Option<String>,
    /// The raw body.
    pub body: String,
}

/// The execution queue.
#[derive(Debug, Clone)]
pub struct ExecutionQueue {
    client: Client,
    url: String,
}

impl ExecutionQueue {
    /// The queue at `url`, reached with `client`.
    pub fn new(client: Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
        }
    }

    /// The queue's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sends `job` in the message group `group` (the owner's Cognito `sub`), deduplicated on its id.
    pub async fn send(&self, job: &ExecutionJob, group: &str) -> Result<(), QueueError> {
        let body = serde_json::to_string(job)?;
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .message_group_id(group)
            .message_deduplication_id(job.job_id.to_string())
            .send()
            .await
            .map_err(sqs)?;
        Ok(())
    }

    /// Long-polls for up to `max` messages, waiting at most `wait`.
    pub async fn receive(
        &self,
        max: i32,
        wait: Duration,
    ) -> Result<Vec<ReceivedMessage>, QueueError> {
        let output = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max.clamp(1, 10))
            .wait_time_seconds(wait.as_secs().min(20) as i32)
            .message_system_attribute_names(MessageSystemAttributeName::MessageGroupId)
            .send()
            .await
            .map_err(sqs)?;
        Ok(output
            .messages
            .unwrap_or_default()
            .into_iter()
            .filter_map(|message| {
                let group = message
                    .attributes
                    .as_ref()
                    .and_then(|attributes| {
                        attributes.get(&MessageSystemAttributeName::MessageGroupId)
                    })
                    .cloned();
                Some(ReceivedMessage {
                    id: message.message_id?,
                    receipt_handle: message.receipt_handle?,
                    group,
                    body: message.body.unwrap_or_default(),
                })
            })
            .collect())
    }

    /// Deletes a handled message.
    pub async fn delete(&self, receipt_handle: &str) -> Result<(), QueueError> {
        self.client
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(receipt_handle)
            .send()
            .await
            .map_err(sqs)?;
        Ok(())
    }
}
