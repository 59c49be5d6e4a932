//! A private S3 bucket: public access blocked, encrypted, optionally versioned. Shared by the
//! frontend and artifacts components so every bucket gets the same guard rails.

use crate::error::InfraError;
use crate::model::{concat, list, map, Program, Resource, ResourceRef, Value};
use crate::naming::Naming;

/// Where a bucket goes: the names of its program, the account and region its global name is
/// derived from, and whether it is deleted with its contents when its program is.
#[derive(Debug, Clone, Copy)]
pub struct BucketPlace<'a> {
    /// The program's names and tags.
    pub naming: &'a Naming,
    /// `${accountId}`.
    pub account_id: &'a Value,
    /// The AWS region.
    pub region: &'a str,
    /// Delete the objects with the bucket (stacks without deletion protection).
    pub force_destroy: bool,
}

/// Declares a private bucket (and its versioning, when asked, which objects whose version is
/// read must wait for) named `code-remote-<stack>-<suffix>-<account id>-<region>` (bucket
/// names are global across every AWS account: one derived from the account and region cannot be
/// taken by anybody else) and its guard rails.
pub fn private_bucket(
    program: &mut Program,
    place: &BucketPlace<'_>,
    logical: &str,
    suffix: &str,
    versioned: bool,
) -> Result<(ResourceRef, Option<ResourceRef>), InfraError> {
    let n = place.naming;
    // `<name>-<12-digit account>-<region>` must fit S3's 63 characters.
    let length = n.name(suffix).len() + 1 + 12 + 1 + place.region.len();
    if length > 63 {
        return Err(InfraError::InvalidSetting {
            key: "aws:region",
            message: format!(
                "the {suffix} bucket's name would be {length} characters, S3 allows 63: use a shorter stack name"
            ),
        });
    }
    let bucket = program.add(
        Resource::new(logical, "aws:s3/bucket:Bucket")
            .prop(
                "bucket",
                concat([
                    Value::from(format!("{}-", n.name(suffix))),
                    place.account_id.clone(),
                    Value::from(format!("-{}", place.region)),
                ]),
            )
            .prop("forceDestroy", place.force_destroy)
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
    let versioning = if versioned {
        Some(
            program.add(
                Resource::new(
                    &format!("{logical}Versioning"),
                    "aws:s3/bucketVersioning:BucketVersioning",
                )
                .prop("bucket", bucket.id())
                .prop("versioningConfiguration", map([("status", "Enabled")])),
            )?,
        )
    } else {
        None
    };
    Ok((bucket, versioning))
}
