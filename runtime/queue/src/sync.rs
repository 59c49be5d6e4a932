//! The snippet-sync queue (SQS FIFO): every snippet write emits a [`SyncEvent`], and the sync
//! worker brings the search backend up to date with the snippet's current row.
//!
//! The message group is the snippet id (one snippet's events stay ordered, snippets do not wait
//! on each other) and the deduplication id is a hash of the body, so a retried send is harmless.
//! The body only names the snippet: the worker always reads the current row, which makes replays
//! and reordering harmless too.

use chrono::{DateTime, Utc};
use code_remote_domain::{SnippetId, UserId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Queue, QueueError};

/// What happened to the snippet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyncEventType {
    /// Created, updated or starred.
    #[serde(rename = "snippet.upserted")]
    Upserted,
    /// An analysis was stored.
    #[serde(rename = "snippet.analyzed")]
    Analyzed,
    /// Deleted.
    #[serde(rename = "snippet.deleted")]
    Deleted,
}

/// The sync queue message body of the API contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncEvent {
    /// What happened.
    pub event_type: SyncEventType,
    /// The snippet.
    pub snippet_id: SnippetId,
    /// Its owner.
    pub user_id: UserId,
    /// When the write happened.
    pub occurred_at: DateTime<Utc>,
}

/// A sync message body that is not a [`SyncEvent`].
#[derive(Debug, thiserror::Error)]
#[error("invalid sync event ({0}); the message is dropped after its retries")]
pub struct InvalidSyncEvent(#[from] serde_json::Error);

impl SyncEvent {
    /// An event that happened now.
    pub fn now(event_type: SyncEventType, snippet_id: SnippetId, user_id: UserId) -> Self {
        Self {
            event_type,
            snippet_id,
            user_id,
            occurred_at: Utc::now(),
        }
    }

    /// Parses a message body.
    pub fn parse(body: &str) -> Result<Self, InvalidSyncEvent> {
        Ok(serde_json::from_str(body)?)
    }

    /// The body and its deduplication id (hex SHA-256 of the body).
    pub fn encode(&self) -> Result<(String, String), QueueError> {
        let body = serde_json::to_string(self)?;
        let dedup = hex::encode(Sha256::digest(body.as_bytes()));
        Ok((body, dedup))
    }
}

/// The sync queue, on either engine.
#[derive(Debug, Clone)]
pub struct SyncQueue {
    queue: Queue,
}

impl SyncQueue {
    /// The sync queue over `queue` (`SYNC_QUEUE_URL`).
    pub fn new(queue: Queue) -> Self {
        Self { queue }
    }

    /// The underlying queue, which the sync worker consumes.
    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    /// Sends one event in its snippet's message group.
    pub async fn send(&self, event: &SyncEvent) -> Result<(), QueueError> {
        let (body, dedup) = event.encode()?;
        self.queue
            .send(&body, &event.snippet_id.to_string(), &dedup)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_matches_the_contract_and_dedup_hashes_it() {
        let event = SyncEvent::now(
            SyncEventType::Analyzed,
            SnippetId::generate(),
            UserId::generate(),
        );
        let (body, dedup) = event.encode().unwrap();
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(value["event_type"], "snippet.analyzed");
        assert_eq!(value["snippet_id"], event.snippet_id.to_string());
        assert_eq!(value["user_id"], event.user_id.to_string());
        assert!(value["occurred_at"].is_string());
        assert_eq!(dedup.len(), 64);
        assert_eq!(SyncEvent::parse(&body).unwrap(), event);
        assert_eq!(event.encode().unwrap().1, dedup);
        assert!(SyncEvent::parse(r#"{"event_type":"snippet.renamed"}"#).is_err());
    }
}
