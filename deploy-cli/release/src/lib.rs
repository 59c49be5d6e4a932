//! Releases of Code Remote: build once, deploy to a stack, promote the same bytes, roll back.
//!
//! A release is a directory `target/release-artifacts/<version>/` of Lambda zips (cargo-lambda,
//! arm64) and the frontend bundle, described by a [`Manifest`] of sha256 digests. Deploying it
//! ([`up()`]) runs Pulumi, then does what Pulumi cannot order safely: publish versions, migrate
//! through the migrate Lambda, move the `live` aliases, upload the frontend with its cache rules,
//! invalidate CloudFront and smoke-test, rolling the aliases back on failure. Every deploy,
//! promotion and rollback leaves a [`ReleaseRecord`] in the stack's artifacts bucket, guarded
//! by a [`DeployLock`] there; [`promote()`] only ships digests a source stack passed with.
#![deny(missing_docs)]

mod artifacts;
mod aws;
mod build;
mod context;
mod error;
mod frontend;
mod functions;
mod lock;
mod manifest;
mod migrate;
mod names;
mod plan;
mod promote;
mod record;
mod rollback;
pub mod secrets;
mod smoke;
mod status;
mod store;
mod up;
mod zip;

pub use artifacts::artifact_key;
pub use aws::AwsClients;
pub use build::{build, BuildReport, BuildRequest, BuildTools, FrontendBuild, ModelLayer};
pub use context::{default_actor, Confirm, Event, Observer, StackContext};
pub use error::ReleaseError;
pub use frontend::{cache_control, SyncReport, IMMUTABLE, NO_CACHE};
pub use functions::LIVE;
pub use lock::{human, lock_key, DeployLock, LockInfo};
pub use manifest::{
    digest_bytes, digest_file, embedded_revisions, Artifact, Manifest, MANIFEST_FILE,
};
pub use migrate::{
    invoke as invoke_migrate, parse_result as parse_migrate_result, Database, DatabaseResult,
    MigrateCommand, MigrateRequest, MigrateResult, MigrateStatus,
};
pub use names::{ReleaseVersion, StackName};
pub use plan::{plans_dir, pulumi_plan_path, SavedPlan};
pub use promote::{promote, PromoteReport, PromotionSource};
pub use record::{FunctionVersion, Outcome, RecordKind, RecordStore, ReleaseRecord};
pub use rollback::{rollback, RollbackReport};
pub use smoke::{SmokeCheck, SmokeReport, SmokeSettings};
pub use status::{status, FunctionStatus, StatusReport};
pub use store::JsonBucket;
pub use up::{up, Gates, UpReport, UpRequest};
