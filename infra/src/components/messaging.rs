//! SQS FIFO queues with FIFO dead-letter queues, SSE, long polling and a visibility timeout of
//! at least six times the consumer's timeout (AWS's advice for Lambda event sources).

use crate::components::Context;
use crate::error::InfraError;
use crate::model::{map, Program, Resource, ResourceRef, Value};

/// Receives before a message moves to the DLQ.
pub const MAX_RECEIVE_COUNT: i64 = 3;
/// Long polling wait in seconds.
pub const RECEIVE_WAIT_SECONDS: u32 = 20;
/// Visibility timeout as a multiple of the consumer's timeout.
pub const VISIBILITY_FACTOR: u32 = 6;

/// A queue and its DLQ.
#[derive(Debug, Clone)]
pub struct Queue {
    /// The work queue.
    pub queue: ResourceRef,
    /// Its dead-letter queue.
    pub dlq: ResourceRef,
}

/// The application's queues.
#[derive(Debug, Clone)]
pub struct Messaging {
    /// `execution.fifo`: run requests for the worker.
    pub execution: Queue,
    /// `snippet-sync.fifo`: snippet changes for the sync worker.
    pub sync: Queue,
}

/// Consumer timeouts that size the queues' visibility timeouts.
#[derive(Debug, Clone, Copy)]
pub struct ConsumerTimeouts {
    /// The worker's timeout in seconds.
    pub worker_seconds: u32,
    /// The sync worker's timeout in seconds.
    pub sync_worker_seconds: u32,
}

fn queue(
    program: &mut Program,
    ctx: &Context<'_>,
    logical: &str,
    base: &str,
    consumer_timeout: u32,
) -> Result<Queue, InfraError> {
    let n = &ctx.naming;
    let dlq_suffix = format!("{base}-dlq");
    let dlq = program.add(
        Resource::new(&format!("{logical}Dlq"), "aws:sqs/queue:Queue")
            .prop("name", format!("{}.fifo", n.name(&dlq_suffix)))
            .prop("fifoQueue", true)
            .prop("sqsManagedSseEnabled", true)
            .prop("messageRetentionSeconds", 1_209_600)
            .prop("tags", n.tags(&dlq_suffix)),
    )?;
    let queue = program.add(
        Resource::new(logical, "aws:sqs/queue:Queue")
            .prop("name", format!("{}.fifo", n.name(base)))
            .prop("fifoQueue", true)
            .prop("contentBasedDeduplication", true)
            // High-throughput FIFO: deduplication and the throughput limit apply per message
            // group (a user, a snippet), not to the whole queue, so one busy user does not cap
            // the others (docs/architecture.md, "Fair share").
            .prop("deduplicationScope", "messageGroup")
            .prop("fifoThroughputLimit", "perMessageGroupId")
            .prop("sqsManagedSseEnabled", true)
            .prop(
                "visibilityTimeoutSeconds",
                consumer_timeout * VISIBILITY_FACTOR,
            )
            .prop("receiveWaitTimeSeconds", RECEIVE_WAIT_SECONDS)
            .prop(
                "redrivePolicy",
                Value::ToJson(Box::new(map([
                    ("deadLetterTargetArn", Value::Ref(dlq.arn())),
                    ("maxReceiveCount", Value::Int(MAX_RECEIVE_COUNT)),
                ]))),
            )
            .prop("tags", n.tags(base)),
    )?;
    Ok(Queue { queue, dlq })
}

/// Declares both queues with their DLQs.
pub fn build(
    program: &mut Program,
    ctx: &Context<'_>,
    timeouts: ConsumerTimeouts,
) -> Result<Messaging, InfraError> {
    Ok(Messaging {
        execution: queue(
            program,
            ctx,
            "executionQueue",
            "execution",
            timeouts.worker_seconds,
        )?,
        sync: queue(
            program,
            ctx,
            "syncQueue",
            "snippet-sync",
            timeouts.sync_worker_seconds,
        )?,
    })
}
