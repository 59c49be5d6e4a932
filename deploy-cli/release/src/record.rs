//! Release records: one JSON document per deploy, promotion or rollback of a stack, under
//! `records/<stack>/` in that stack's artifacts bucket. Promotion asks "did dev pass with these
//! digests?", rollback asks "what ran before?", status asks "what is live?".

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::ReleaseError;
use crate::manifest::Manifest;
use crate::migrate::MigrateResult;
use crate::names::{ReleaseVersion, StackName};
use crate::smoke::SmokeReport;
use crate::store::JsonBucket;

/// What kind of change a record describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordKind {
    /// `deploy up`.
    Deploy,
    /// `deploy promote` (a deploy of bytes another stack already ran).
    Promote,
    /// `deploy rollback`.
    Rollback,
}

/// How the change ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The release is live and passed its smoke tests.
    Live,
    /// Smoke tests failed and the aliases were moved back.
    RolledBack,
    /// A step before the alias move failed; traffic never moved.
    Failed,
}

/// One published Lambda version of a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionVersion {
    /// The deployed function name.
    pub function_name: String,
    /// The published version number the `live` alias points at.
    pub version: String,
    /// Lambda's `CodeSha256` of that version (base64).
    pub code_sha256: String,
}

/// A deploy, promotion or rollback of one stack.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReleaseRecord {
    /// Deploy, promote or rollback.
    pub kind: RecordKind,
    /// The stack.
    pub stack: StackName,
    /// The release.
    pub release: ReleaseVersion,
    /// Its artifacts and digests.
    pub manifest: Manifest,
    /// The versions published per function (`api`, `sync-worker`, ...).
    pub functions: BTreeMap<String, FunctionVersion>,
    /// What the migrate Lambda reported (heads per database); none for rollbacks.
    pub migrations: Option<MigrateResult>,
    /// The smoke tests.
    pub smoke: Option<SmokeReport>,
    /// How it ended.
    pub outcome: Outcome,
    /// The stack the bytes came from, for promotions.
    pub promoted_from: Option<StackName>,
    /// Who ran it.
    pub actor: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: DateTime<Utc>,
}

impl ReleaseRecord {
    /// Whether the release ran on this stack and passed its smoke tests.
    pub fn passed(&self) -> bool {
        self.kind != RecordKind::Rollback && self.smoke.as_ref().is_some_and(|smoke| smoke.passed)
    }
}

/// The records of one stack.
#[derive(Debug, Clone)]
pub struct RecordStore {
    store: JsonBucket,
    stack: StackName,
}

impl RecordStore {
    /// Records of `stack` in `store` (its artifacts bucket).
    pub fn new(store: JsonBucket, stack: StackName) -> Self {
        Self { store, stack }
    }

    /// Saves a record under a key that sorts by start time.
    pub async fn save(&self, record: &ReleaseRecord) -> Result<String, ReleaseError> {
        let key = format!(
            "records/{}/{}-{}-{:?}.json",
            self.stack,
            record.started_at.format("%Y%m%dT%H%M%S%.6fZ"),
            record.release,
            record.kind
        )
        .to_lowercase();
        self.store.put(&key, record).await?;
        Ok(key)
    }

    /// Every record of the stack, oldest first.
    pub async fn all(&self) -> Result<Vec<ReleaseRecord>, ReleaseError> {
        let mut records = Vec::new();
        for key in self.store.keys(&format!("records/{}/", self.stack)).await? {
            if let Some(record) = self.store.get::<ReleaseRecord>(&key).await? {
                records.push(record);
            }
        }
        records.sort_by_key(|record| record.started_at);
        Ok(records)
    }

    /// The record that made the current state live: the newest `Live` one.
    pub async fn live(&self) -> Result<Option<ReleaseRecord>, ReleaseError> {
        Ok(self
            .all()
            .await?
            .into_iter()
            .rev()
            .find(|record| record.outcome == Outcome::Live))
    }
}
