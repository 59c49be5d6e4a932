//! `deploy promote vX --from dev --to prod`: deploys to the target stack exactly the bytes the
//! source stack ran and passed smoke tests with, identified by the digests in the source's
//! release record; a release without such a record is refused. The source's records and
//! artifacts are read from its artifacts bucket: with the source stack's own credentials, or,
//! across accounts, with the target's, which the source bucket's policy lets read
//! (`code-remote:promotionReaders`; docs/runbook.md, "Bootstrap a new account").

use std::path::Path;

use serde::Serialize;

use crate::artifacts;
use crate::context::{Confirm, Observer, StackContext};
use crate::error::ReleaseError;
use crate::manifest::Manifest;
use crate::names::{ReleaseVersion, StackName};
use crate::record::RecordStore;
use crate::store::JsonBucket;
use crate::up::{self, Gates, UpReport, UpRequest};

/// Where a promotion reads the source stack's release records and artifacts.
#[derive(Debug, Clone)]
pub struct PromotionSource {
    /// The source stack.
    pub stack: StackName,
    /// Its artifacts bucket.
    pub bucket: String,
    /// The client that reads it.
    pub s3: aws_sdk_s3::Client,
}

impl PromotionSource {
    /// The source stack's bucket, found through its own Pulumi outputs and read with its own
    /// credentials (source and target in one account, or an operator holding both).
    pub fn of(source: &StackContext) -> Result<Self, ReleaseError> {
        Ok(Self {
            stack: source.stack.clone(),
            bucket: source.outputs()?.artifacts_bucket,
            s3: source.aws.s3.clone(),
        })
    }

    /// The source stack's bucket by name, read with the target's credentials (across accounts:
    /// the bucket's policy names the target's deploy role).
    pub fn bucket(stack: StackName, bucket: &str, target: &StackContext) -> Self {
        Self {
            stack,
            bucket: bucket.to_owned(),
            s3: target.aws.s3.clone(),
        }
    }
}

/// What a promotion did.
#[derive(Debug, Clone, Serialize)]
pub struct PromoteReport {
    /// The deploy onto the target stack.
    pub deploy: UpReport,
    /// The source record's key-facts: the digests promoted.
    pub digests: Manifest,
}

/// Promotes `release` from `from` to `to`; `workspace` holds `target/release-artifacts/`.
pub async fn promote(
    from: &PromotionSource,
    to: &StackContext,
    release: &ReleaseVersion,
    workspace: &Path,
    gates: Gates,
    confirm: Confirm<'_>,
    observe: Observer<'_>,
) -> Result<PromoteReport, ReleaseError> {
    let refuse = |reason: String| ReleaseError::PromotionRefused {
        release: release.to_string(),
        reason,
    };
    let records = RecordStore::new(
        JsonBucket::new(from.s3.clone(), &from.bucket),
        from.stack.clone(),
    )
    .all()
    .await?;
    let passed = records
        .iter()
        .rev()
        .find(|record| &record.release == release && record.passed())
        .ok_or_else(|| refuse(format!("it has no passing release record on stack {}; deploy it there first (deploy up --stack {} --release {release})", from.stack, from.stack)))?;
    let manifest = passed.manifest.clone();

    let dir = workspace
        .join("target/release-artifacts")
        .join(release.as_str());
    // Artifacts already here (the release workflow's own build) must be the bytes the record
    // names: whoever can write the source's bucket must not be able to swap them. Only when
    // there is no release here at all (no manifest: none built, or a download cut short) are
    // the source's downloaded, and verified against the record.
    if dir.join(crate::manifest::MANIFEST_FILE).exists() {
        let local = Manifest::read(&dir)?;
        if local.digests() != manifest.digests() || manifest.verify(&dir).is_err() {
            return Err(refuse(format!(
                "the artifacts in {} are not the bytes {} passed with (its release record in {}); refusing to promote either: delete that directory to promote the bytes the record names",
                dir.display(),
                from.stack,
                from.bucket
            )));
        }
    } else {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(ReleaseError::io(&dir))?;
        }
        artifacts::download(&from.s3, &from.bucket, &manifest, &dir).await?;
    }
    let request = UpRequest {
        release: release.clone(),
        dir,
        plans: crate::plan::plans_dir(workspace, release),
        promoted_from: Some(from.stack.clone()),
        gates,
    };
    let deploy = up::up(to, &request, confirm, observe).await?;
    Ok(PromoteReport {
        deploy,
        digests: manifest,
    })
}
