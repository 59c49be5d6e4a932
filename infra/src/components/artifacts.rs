//! The versioned bucket holding release artifacts (Lambda zips, frontend bundle, manifest with
//! digests) and deploy records, so a release is built once and promoted. Roles of another
//! account named in `code-remote:promotionReaders` may read it: prod's deploy role promotes from
//! dev's bucket without dev's credentials or Pulumi state.

use crate::components::bucket::private_bucket;
use crate::components::Context;
use crate::error::InfraError;
use crate::iam::{PolicyDocument, Statement};
use crate::model::{concat, list, map, Program, Resource, ResourceRef, Value};

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
    if !ctx.config.promotion_readers.is_empty() {
        let readers = || {
            map([(
                "AWS",
                list(ctx.config.promotion_readers.iter().map(String::as_str)),
            )])
        };
        let mut objects = Statement::allow(
            &["s3:GetObject"],
            vec![concat([bucket.arn().into(), Value::from("/*")])],
        );
        objects.principal = Some(readers());
        let mut listing = Statement::allow(&["s3:ListBucket"], vec![bucket.arn().into()]);
        listing.principal = Some(readers());
        program.add(
            Resource::new("artifactsBucketPolicy", "aws:s3/bucketPolicy:BucketPolicy")
                .prop("bucket", bucket.id())
                .prop(
                    "policy",
                    PolicyDocument {
                        statements: vec![objects, listing],
                    }
                    .to_value(),
                ),
        )?;
    }
    Ok(Artifacts { bucket, versioning })
}
