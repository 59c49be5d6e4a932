//! The SQS engine: the queues of a deployed stack (and of a local stack on moto with
//! `--queue sqs`).

use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, MessageSystemAttributeName, QueueAttributeName,
};
use aws_sdk_sqs::Client;
use code_remote_config::QueueAddress;
use std::time::Duration;

use crate::{FifoPair, QueueError, ReceivedMessage};

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

    /// Deletes handled messages, ten per `DeleteMessageBatch`; an entry SQS refuses is an error.
    pub async fn delete(&self, receipt_handles: &[&str]) -> Result<(), QueueError> {
        for chunk in receipt_handles.chunks(10) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(index, handle)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(index.to_string())
                        .receipt_handle(*handle)
                        .build()
                        .map_err(sqs)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let output = self
                .client
                .delete_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(sqs)?;
            if let Some(failed) = output.failed.first() {
                return Err(QueueError::Sqs(format!(
                    "DeleteMessageBatch refused {} of {} entries, e.g. {}: {}",
                    output.failed.len(),
                    chunk.len(),
                    failed.code,
                    failed.message.as_deref().unwrap_or("no message")
                )));
            }
        }
        Ok(())
    }

    /// Messages on the queue, visible or in flight (SQS's approximate counts).
    pub async fn depth(&self) -> Result<u64, QueueError> {
        let counts = [
            QueueAttributeName::ApproximateNumberOfMessages,
            QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
        ];
        let attributes = self
            .client
            .get_queue_attributes()
            .queue_url(&self.url)
            .set_attribute_names(Some(counts.to_vec()))
            .send()
            .await
            .map_err(sqs)?
            .attributes
            .unwrap_or_default();
        counts.iter().try_fold(0, |sum, name| {
            attributes
                .get(name)
                .and_then(|value| value.parse::<u64>().ok())
                .map(|count| sum + count)
                .ok_or_else(|| QueueError::Sqs(format!("GetQueueAttributes gave no {name}")))
        })
    }
}

/// Creates `pair`'s FIFO queue and its dead-letter queue (kept 14 days) with a redrive policy;
/// returns their addresses.
pub async fn create_fifo_pair(
    client: &Client,
    pair: &FifoPair,
) -> Result<(QueueAddress, QueueAddress), QueueError> {
    let dlq_url = client
        .create_queue()
        .queue_name(pair.dead_letter_name())
        .attributes(QueueAttributeName::FifoQueue, "true")
        .attributes(QueueAttributeName::MessageRetentionPeriod, "1209600")
        .send()
        .await
        .map_err(sqs)?
        .queue_url
        .ok_or_else(|| QueueError::Sqs("CreateQueue gave no QueueUrl".to_owned()))?;
    let dlq_arn = client
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(sqs)?
        .attributes
        .and_then(|attributes| attributes.get(&QueueAttributeName::QueueArn).cloned())
        .ok_or_else(|| QueueError::Sqs("GetQueueAttributes gave no QueueArn".to_owned()))?;
    let redrive = serde_json::json!({
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": pair.max_receive_count.to_string(),
    });
    let url = client
        .create_queue()
        .queue_name(pair.name())
        .attributes(QueueAttributeName::FifoQueue, "true")
        .attributes(
            QueueAttributeName::VisibilityTimeout,
            pair.visibility_timeout.as_secs_f64().ceil().to_string(),
        )
        .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
        .send()
        .await
        .map_err(sqs)?
        .queue_url
        .ok_or_else(|| QueueError::Sqs("CreateQueue gave no QueueUrl".to_owned()))?;
    Ok((
        QueueAddress::Sqs { url },
        QueueAddress::Sqs { url: dlq_url },
    ))
}
