//! A private S3 bucket: public access blocked, encrypted, optionally versioned. Shared by the
//! frontend and artifacts components so every bucket gets the same guard rails.

use crate::components::Context;
use crate::error::InfraError;
use crate::model::{concat, list, map, Program, Resource, ResourceRef, Value};

/// Declares a private bucket named `code-remote-<stack>-<suffix>-<account id>-<region>` (bucket
/// names are global across every AWS account: one derived from the account and region cannot be
/// taken by anybody else) and its guard rails.
pub fn private_bucket(
    program: &mut Program,
    ctx: &Context<'_>,
    logical: &str,
    suffix: &str,
    versioned: bool,
) -> Result<ResourceRef, InfraError> {
    let n = &ctx.naming;
    let bucket = program.add(
        Resource::new(logical, "aws:s3/bucket:Bucket")
            .prop(
                "bucket",
                concat([
                    Value::from(format!("{}-", n.name(suffix))),
                    ctx.account_id.clone(),
                    Value::from(format!("-{}", ctx.config.region)),
                ]),
            )
            .prop("forceDestroy", !ctx.config.deletion_protection)
            .prop("tags", n.tags(suffix)),
    )?;
    program.add(
        Resource::new(
            &format!("{logical}PublicAccessBlock"),
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        )
        .prop("bucket", bucket.id())
        .prop("blockPublicAcls", true)
        .prop("blockPublicPolicy", true)
        .prop("ignorePublicAcls", true)
        .prop("restrictPublicBuckets", true),
    )?;
    program.add(
        Resource::new(
            &format!("{logical}Encryption"),
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        )
        .prop("bucket", bucket.id())
        .prop(
            "rules",
            list([map([(
                "applyServerSideEncryptionByDefault",
                map([("sseAlgorithm", "AES256")]),
            )])]),
        ),
    )?;
    if versioned {
        program.add(
            Resource::new(
                &format!("{logical}Versioning"),
                "aws:s3/bucketVersioning:BucketVersioning",
            )
            .prop("bucket", bucket.id())
            .prop("versioningConfiguration", map([("status", "Enabled")])),
        )?;
    }
    Ok(bucket)
}
