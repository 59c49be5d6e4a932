//! The Lambda entry: an SQS event in, `batchItemFailures` out.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use code_remote_queue::{process_batch, BatchMessage};

use crate::Worker;

/// Runs every record of `event` through the worker; the failed ones are reported so that only
/// they are retried.
pub async fn handle_event(worker: &Worker, event: SqsEvent) -> SqsBatchResponse {
    let messages: Vec<BatchMessage> = event.records.into_iter().map(BatchMessage::from).collect();
    let failed = process_batch(&messages, |message| worker.handle(&message.body)).await;
    let mut response = SqsBatchResponse::default();
    for id in failed {
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = id;
        response.batch_item_failures.push(failure);
    }
    response
}
