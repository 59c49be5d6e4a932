//! The SQS engine: the queues of a deployed stack (and of a local stack on moto with
//! `--queue sqs`).

use aws_sdk_sqs::types::MessageSystemAttributeName;
use aws_sdk_sqs::Client;
use std::time::Duration;

use crate::{QueueError, ReceivedMessage};

fn sqs<E: std::error::Error>(err: E) -> QueueError {
    QueueError::Sqs(aws_sdk_sqs::error::DisplayErrorContext(err).to_string())
}

/// One SQS FIFO queue.
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: Client,
    url: String,
}

impl SqsQueue {
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

    /// The SQS client, for the calls this type does not wrap (queue attributes in tests).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends `body` in the message group `group`, deduplicated on `deduplication_id`.
    pub async fn send(
        &self,
        body: &str,
        group: &str,
        deduplication_id: &str,
    ) -> Result<(), QueueError> {
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .message_group_id(group)
            .message_deduplication_id(deduplication_id)
            .send()
            .await
            .map_err(sqs)?;
        Ok(())
    }

    /// Long-polls for up to `max` messages (at most 10), waiting at most `wait` in whole
    /// seconds (at most 20 s; under a second is a short poll).
    pub async fn receive(
        &self,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<ReceivedMessage>, QueueError> {
        let output = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max.clamp(1, 10) as i32)
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
