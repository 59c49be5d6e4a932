//! `pulumi up --json`: the engine-event stream (Pulumi's `apitype.EngineEvent`, one JSON object
//! per line), and the live progress `deploy up` shows from it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::digest::split_urn;

/// One engine event: exactly one of the payload fields is set.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EngineEvent {
    /// Monotonic sequence number of the event within the update.
    #[serde(default)]
    pub sequence: u64,
    /// Unix time (seconds) the event was emitted.
    #[serde(default)]
    pub timestamp: u64,
    /// A diagnostic (warning, error, or a program's log line).
    #[serde(default)]
    pub diagnostic_event: Option<DiagnosticEvent>,
    /// The update starts; carries the configuration.
    #[serde(default)]
    pub prelude_event: Option<serde_json::Value>,
    /// The update ended; counts of what changed.
    #[serde(default)]
    pub summary_event: Option<SummaryEvent>,
    /// A resource operation is about to start.
    #[serde(default)]
    pub resource_pre_event: Option<ResourceEvent>,
    /// A resource operation finished and its outputs are known.
    #[serde(default)]
    pub res_outputs_event: Option<ResourceEvent>,
    /// A resource operation failed.
    #[serde(default)]
    pub res_op_failed_event: Option<ResourceEvent>,
    /// The update was cancelled (or finished).
    #[serde(default)]
    pub cancel_event: Option<serde_json::Value>,
}

/// A diagnostic message from the engine or a provider.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticEvent {
    /// The resource it concerns, if any.
    #[serde(default)]
    pub urn: Option<String>,
    /// Text before the message (e.g. `error: `).
    #[serde(default)]
    pub prefix: Option<String>,
    /// The message itself.
    pub message: String,
    /// `debug`, `info`, `info#err`, `warning` or `error`.
    pub severity: String,
    /// Whether the message is transient status only.
    #[serde(default)]
    pub ephemeral: bool,
}

/// The payload of `resourcePreEvent`, `resOutputsEvent` and `resOpFailedEvent`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceEvent {
    /// What the step does to which resource.
    pub metadata: StepMetadata,
    /// Set on events of a preview rather than an update.
    #[serde(default)]
    pub planning: bool,
}

/// A step's description (`apitype.StepEventMetadata`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepMetadata {
    /// `same`, `create`, `update`, `delete`, `replace`, `refresh`, ...
    pub op: String,
    /// The resource's URN.
    pub urn: String,
    /// The resource type token.
    #[serde(rename = "type")]
    pub kind: String,
    /// Properties that force a replacement.
    #[serde(default)]
    pub keys: Vec<String>,
    /// Properties that changed.
    #[serde(default)]
    pub diffs: Vec<String>,
}

/// The closing summary of an update.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SummaryEvent {
    /// Whether a resource may be corrupt because an operation failed half way.
    #[serde(default)]
    pub maybe_corrupt: bool,
    /// Wall time of the update.
    #[serde(default)]
    pub duration_seconds: u64,
    /// Count of resources per operation.
    #[serde(default)]
    pub resource_changes: BTreeMap<String, u64>,
}

/// What a progress display shows for one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressLine {
    /// A resource operation started: `op type name`.
    Started(String),
    /// A resource operation finished.
    Finished(String),
    /// A resource operation failed.
    Failed(String),
    /// A warning or error diagnostic.
    Message(String),
}

/// Running state of an update, folded from its events.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Progress {
    /// Resource operations started (excluding `same`).
    pub started: u64,
    /// Resource operations finished (excluding `same`).
    pub finished: u64,
    /// The failed operations, as `op type name`.
    pub failed: Vec<String>,
    /// Error diagnostics, in order.
    pub errors: Vec<String>,
    /// The summary, once the engine sent it.
    pub summary: Option<SummaryEvent>,
}

impl Progress {
    /// Folds one event in and says what to show for it, if anything.
    pub fn apply(&mut self, event: &EngineEvent) -> Option<ProgressLine> {
        if let Some(pre) = &event.resource_pre_event {
            if pre.metadata.op == "same" || pre.planning {
                return None;
            }
            self.started += 1;
            return Some(ProgressLine::Started(describe(&pre.metadata)));
        }
        if let Some(done) = &event.res_outputs_event {
            if done.metadata.op == "same" || done.planning {
                return None;
            }
            self.finished += 1;
            return Some(ProgressLine::Finished(describe(&done.metadata)));
        }
        if let Some(failed) = &event.res_op_failed_event {
            let line = describe(&failed.metadata);
            self.failed.push(line.clone());
            return Some(ProgressLine::Failed(line));
        }
        if let Some(diag) = &event.diagnostic_event {
            if diag.ephemeral || !(diag.severity == "error" || diag.severity == "warning") {
                return None;
            }
            let text = format!("{}: {}", diag.severity, diag.message.trim());
            if diag.severity == "error" {
                self.errors.push(diag.message.trim().to_owned());
            }
            return Some(ProgressLine::Message(text));
        }
        if let Some(summary) = &event.summary_event {
            self.summary = Some(summary.clone());
        }
        None
    }
}

fn describe(metadata: &StepMetadata) -> String {
    let name = split_urn(&metadata.urn).map_or(metadata.urn.as_str(), |(_, name)| name);
    format!("{} {} {}", metadata.op, metadata.kind, name)
}
