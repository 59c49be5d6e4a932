//! The versioned bucket holding release artifacts (Lambda zips, frontend bundle, manifest with
//! digests) and deploy records, so a release is built once and promoted.

use crate::components::bucket::private_bucket;
use crate::components::Context;
use crate::error::InfraError;
use crate::model::{Program, ResourceRef};

/// References to the artifacts store.
#[derive(Debug, Clone)]
pub struct Artifacts {
    /// The bucket.
    pub bucket: ResourceRef,
    /// Its versioning: the Lambda code objects wait for it, so that their version id exists.
    pub versioning: Option<ResourceRef>,
}

/// Declares the artifacts bucket (always versioned: records and promoted bytes must not vanish).
pub fn build(program: &mut Program, ctx: &Context<'_>) -> Result<Artifacts, InfraError> {
    let (bucket, versioning) = private_bucket(
        program,
        &ctx.bucket_place(),
        "artifactsBucket",
        "artifacts",
        true,
    )?;
    Ok(Artifacts { bucket, versioning })
}
