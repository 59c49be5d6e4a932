//! Runs a batch of messages concurrently and reports which ones failed.

use futures_util::future::join_all;
use std::fmt::Display;
use std::future::Future;
use tracing::Instrument;

/// One message of a batch: its id (reported back on failure) and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchMessage {
    /// The SQS message id.
    pub id: String,
    /// The raw body.
    pub body: String,
}

/// Runs `handler` on every message concurrently, each in its own span, and returns the ids of the
/// messages whose handler failed, so only those are retried (and, past `maxReceiveCount`, sent to
/// the dead-letter queue) while the others are deleted.
pub async fn process_batch<'a, H, F, E>(messages: &'a [BatchMessage], handler: H) -> Vec<String>
where
    H: Fn(&'a BatchMessage) -> F,
    F: Future<Output = Result<(), E>>,
    E: Display,
{
    let runs = messages.iter().map(|message| {
        let span = tracing::info_span!("message", message_id = %message.id);
        let run = handler(message);
        async move {
            match run.await {
                Ok(()) => None,
                Err(err) => {
                    tracing::warn!(error = %err, "message failed; it will be retried");
                    Some(message.id.clone())
                }
            }
        }
        .instrument(span)
    });
    join_all(runs).await.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_half_failing_batch_reports_only_the_failures() {
        let messages: Vec<BatchMessage> = (0..6)
            .map(|n| BatchMessage {
                id: format!("m{n}"),
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
}
