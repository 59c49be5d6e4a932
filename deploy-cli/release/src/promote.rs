//! `deploy promote vX --from dev --to prod`: deploys to the target stack exactly the bytes the
//! source stack ran and passed smoke tests with, identified by the digests in the source's
//! release record; a release without such a record is refused.

use std::path::Path;

use serde::Serialize;

use crate::artifacts;
use crate::context::{Confirm, Observer, StackContext};
use crate::error::ReleaseError;
use crate::manifest::Manifest;
use crate::names::ReleaseVersion;
use crate::up::{self, Gates, UpReport, UpRequest};

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
    from: &StackContext,
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
    let source_outputs = from.outputs()?;
    let records = from.records(&source_outputs).all().await?;
    let passed = records
        .iter()
        .rev()
        .find(|record| &record.release == release && record.passed())
        .ok_or_else(|| refuse(format!("it has no passing release record on stack {}; deploy it there first (deploy up --stack {} --release {release})", from.stack, from.stack)))?;
    let manifest = passed.manifest.clone();

    let dir = workspace
        .join("target/release-artifacts")
        .join(release.as_str());
    let local_matches = Manifest::read(&dir)
        .is_ok_and(|local| local.digests() == manifest.digests())
        && manifest.verify(&dir).is_ok();
    if !local_matches {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(ReleaseError::io(&dir))?;
        }
        artifacts::download(
            &from.aws.s3,
            &source_outputs.artifacts_bucket,
            &manifest,
            &dir,
        )
        .await?;
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
