//! Runs a batch of messages and reports which ones failed.
//!
//! The queues are FIFO: a batch may hold several messages of one message group (one user's
//! jobs, one snippet's events), which must run in their order and one at a time, while
//! different groups run concurrently. When a message fails, the rest of its group is not run
//! and is reported failed with it, as AWS asks of FIFO partial-batch responses: otherwise a
//! later message would overtake the retried one.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use futures_util::future::join_all;
use futures_util::FutureExt;
use std::fmt::Display;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use tracing::Instrument;

use crate::{MessageHandler, ReceivedMessage};

/// One message of a batch: its id (reported back on failure), its FIFO group and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchMessage {
    /// The SQS message id.
    pub id: String,
    /// The message group; `None` (a standard queue) makes the message a group of its own.
    pub group: Option<String>,
    /// The raw body.
    pub body: String,
}

impl From<SqsMessage> for BatchMessage {
    /// A record of a Lambda SQS event.
    fn from(record: SqsMessage) -> Self {
        Self {
            group: record.attributes.get("MessageGroupId").cloned(),
            id: record.message_id.unwrap_or_default(),
            body: record.body.unwrap_or_default(),
        }
    }
}

impl From<&ReceivedMessage> for BatchMessage {
    /// A message a local worker received.
    fn from(message: &ReceivedMessage) -> Self {
        Self {
            id: message.id.clone(),
            group: message.group.clone(),
            body: message.body.clone(),
        }
    }
}

/// Runs `handler` on every message (groups concurrently, each group in order), each in its own
/// span, and returns the ids of the messages that failed or were not run after a failure in
/// their group, so only those are retried (and, past `maxReceiveCount`, sent to the dead-letter
/// queue) while the others are deleted.
pub async fn process_batch<'a, H, F, E>(messages: &'a [BatchMessage], handler: H) -> Vec<String>
where
    H: Fn(&'a BatchMessage) -> F,
    F: Future<Output = Result<(), E>>,
    E: Display,
{
    let mut groups: Vec<Vec<&'a BatchMessage>> = Vec::new();
    for message in messages {
        let same_group = message.group.as_ref().and_then(|group| {
            groups
                .iter_mut()
                .find(|members| members[0].group.as_ref() == Some(group))
        });
        match same_group {
            Some(members) => members.push(message),
            None => groups.push(vec![message]),
        }
    }
    let handler = &handler;
    let runs = groups.into_iter().map(|members| async move {
        let mut failed = Vec::new();
        for message in members {
            if !failed.is_empty() {
                failed.push(message.id.clone());
                continue;
            }
            let span = tracing::info_span!("message", message_id = %message.id);
            // A handler that panics fails its own message only; the batch's others stand.
            let outcome = AssertUnwindSafe(handler(message).instrument(span))
                .catch_unwind()
                .await;
            let error = match outcome {
                Ok(Ok(())) => continue,
                Ok(Err(err)) => err.to_string(),
                Err(_) => "the handler panicked".to_owned(),
            };
            tracing::warn!(message_id = %message.id, %error, "message failed; it and the rest of its group will be retried");
            failed.push(message.id.clone());
        }
        failed
    });
    join_all(runs).await.into_iter().flatten().collect()
}

/// The Lambda entry of both workers: runs every record of an SQS event through `handler` and
/// answers `batchItemFailures` naming the failed ones, so only they are retried.
pub async fn handle_sqs_event<H: MessageHandler>(handler: &H, event: SqsEvent) -> SqsBatchResponse {
    let messages: Vec<BatchMessage> = event.records.into_iter().map(BatchMessage::from).collect();
    let failed = process_batch(&messages, |message| handler.handle(message.body.clone())).await;
    let mut response = SqsBatchResponse::default();
    for id in failed {
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = id;
        response.batch_item_failures.push(failure);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_handler_fails_only_its_message_and_its_group() {
        let messages = [
            message("a1", "alice"),
            message("b1", "bob"),
            message("a2", "alice"),
        ];
        let failed = process_batch(&messages, |message| {
            let id = message.id.clone();
            async move {
                assert_ne!(id, "a1", "a bug in the handler");
                Ok::<(), &str>(())
            }
        })
        .await;
        assert_eq!(failed, ["a1", "a2"]);
    }

    #[tokio::test]
    async fn a_half_failing_batch_reports_only_the_failures() {
        let messages: Vec<BatchMessage> = (0..6)
            .map(|n| BatchMessage {
                id: format!("m{n}"),
                group: None,
                body: n.to_string(),
            })
            .collect();
        let failed = process_batch(&messages, |message| {
            let even = message.body.parse::<u32>().map(|n| n % 2 == 0);
            async move {
                match even {
                    Ok(true) => Ok(()),
                    _ => Err("odd"),
                }
            }
        })
        .await;
        assert_eq!(failed, ["m1", "m3", "m5"]);
    }

    fn message(id: &str, group: &str) -> BatchMessage {
        BatchMessage {
            id: id.into(),
            group: Some(group.into()),
            body: id.into(),
        }
    }

    #[tokio::test]
    async fn a_group_runs_in_order_and_stops_at_its_first_failure() {
        let messages = [
            message("a1", "alice"),
            message("b1", "bob"),
            message("a2", "alice"),
            message("a3", "alice"),
            message("b2", "bob"),
        ];
        let ran = std::sync::Mutex::new(Vec::new());
        let failed = process_batch(&messages, |message| {
            let ran = &ran;
            async move {
                ran.lock().expect("lock").push(message.id.clone());
                if message.id == "a2" {
                    Err("a2 fails")
                } else {
                    Ok(())
                }
            }
        })
        .await;
        assert_eq!(failed, ["a2", "a3"], "a3 is retried after a2, never before");
        let ran = ran.into_inner().expect("lock");
        assert!(!ran.contains(&"a3".to_owned()), "{ran:?}");
        let position = |id: &str| ran.iter().position(|r| r == id).expect("ran");
        assert!(position("a1") < position("a2"));
        assert!(position("b1") < position("b2"));
    }

    #[tokio::test]
    async fn different_groups_run_at_the_same_time() {
        // Each group waits for the other to have started: run one after the other, this
        // would never finish.
        let messages = [message("a", "alice"), message("b", "bob")];
        let barrier = tokio::sync::Barrier::new(2);
        let batch = process_batch(&messages, |_| async {
            barrier.wait().await;
            Ok::<(), &str>(())
        });
        let failed = tokio::time::timeout(std::time::Duration::from_secs(10), batch)
            .await
            .expect("both groups ran concurrently");
        assert!(failed.is_empty());
    }
}
