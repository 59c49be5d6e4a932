//! The web frontend: a private bucket served by CloudFront through Origin Access Control, HTTPS
//! only, single-page-app fallback to `index.html` and a security headers policy.

use crate::components::bucket::private_bucket;
use crate::components::Context;
use crate::error::InfraError;
use crate::iam::{PolicyDocument, Statement};
use crate::model::{concat, list, map, Program, Resource, ResourceRef, Value};

/// AWS's managed `CachingOptimized` cache policy.
const CACHING_OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";

/// References to the frontend.
#[derive(Debug, Clone)]
pub struct Frontend {
    /// The bucket the bundle is uploaded to.
    pub bucket: ResourceRef,
    /// The CloudFront distribution.
    pub distribution: ResourceRef,
    /// `https://<distribution domain>`.
    pub url: Value,
}

/// Declares the bucket, OAC, headers policy, distribution and bucket policy.
pub fn build(program: &mut Program, ctx: &Context<'_>) -> Result<Frontend, InfraError> {
    let n = &ctx.naming;
    let (bucket, _) = private_bucket(
        program,
        &ctx.bucket_place(),
        "frontendBucket",
        "frontend",
        ctx.is_prod(),
    )?;
    let oac = program.add(
        Resource::new(
            "frontendOriginAccess",
            "aws:cloudfront/originAccessControl:OriginAccessControl",
        )
        .prop("name", n.name("frontend"))
        .prop(
            "description",
            "CloudFront reads the private frontend bucket",
        )
        .prop("originAccessControlOriginType", "s3")
        .prop("signingBehavior", "always")
        .prop("signingProtocol", "sigv4"),
    )?;
    let headers = program.add(
        Resource::new(
            "frontendSecurityHeaders",
            "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
        )
        .prop("name", n.name("security-headers"))
        .prop(
            "securityHeadersConfig",
            map([
                (
                    "strictTransportSecurity",
                    map([
                        ("accessControlMaxAgeSec", Value::Int(63_072_000)),
                        ("includeSubdomains", true.into()),
                        ("preload", true.into()),
                        ("override", true.into()),
                    ]),
                ),
                ("contentTypeOptions", map([("override", true)])),
                (
                    "frameOptions",
                    map([
                        ("frameOption", Value::from("DENY")),
                        ("override", true.into()),
                    ]),
                ),
                (
                    "referrerPolicy",
                    map([
                        (
                            "referrerPolicy",
                            Value::from("strict-origin-when-cross-origin"),
                        ),
                        ("override", true.into()),
                    ]),
                ),
                (
                    "xssProtection",
                    map([
                        ("protection", true),
                        ("modeBlock", true),
                        ("override", true),
                    ]),
                ),
            ]),
        ),
    )?;
    let origin_id = "frontend-bucket";
    let spa_fallback = |code: i64| {
        map([
            ("errorCode", Value::Int(code)),
            ("responseCode", Value::Int(200)),
            ("responsePagePath", Value::from("/index.html")),
            ("errorCachingMinTtl", Value::Int(0)),
        ])
    };
    let distribution = program.add(
        Resource::new(
            "frontendDistribution",
            "aws:cloudfront/distribution:Distribution",
        )
        .prop("comment", n.name("frontend"))
        .prop("enabled", true)
        .prop("isIpv6Enabled", true)
        .prop("httpVersion", "http2and3")
        .prop("priceClass", "PriceClass_100")
        .prop("defaultRootObject", "index.html")
        .prop(
            "origins",
            list([map([
                ("originId", Value::from(origin_id)),
                ("domainName", bucket.out("bucketRegionalDomainName").into()),
                ("originAccessControlId", oac.id().into()),
            ])]),
        )
        .prop(
            "defaultCacheBehavior",
            map([
                ("targetOriginId", Value::from(origin_id)),
                ("viewerProtocolPolicy", "redirect-to-https".into()),
                ("allowedMethods", list(["GET", "HEAD", "OPTIONS"])),
                ("cachedMethods", list(["GET", "HEAD"])),
                ("compress", true.into()),
                ("cachePolicyId", CACHING_OPTIMIZED.into()),
                ("responseHeadersPolicyId", headers.id().into()),
            ]),
        )
        .prop(
            "customErrorResponses",
            list([spa_fallback(403), spa_fallback(404)]),
        )
        .prop(
            "restrictions",
            map([("geoRestriction", map([("restrictionType", "none")]))]),
        )
        .prop(
            "viewerCertificate",
            map([
                ("cloudfrontDefaultCertificate", Value::from(true)),
                ("minimumProtocolVersion", "TLSv1.2_2021".into()),
            ]),
        )
        .prop("tags", n.tags("frontend")),
    )?;
    let mut read = Statement::allow(
        &["s3:GetObject"],
        vec![concat([bucket.arn().into(), Value::from("/*")])],
    );
    read.principal = Some(map([("Service", "cloudfront.amazonaws.com")]));
    read.condition = Some(map([(
        "StringEquals",
        map([("AWS:SourceArn", distribution.arn())]),
    )]));
    program.add(
        Resource::new("frontendBucketPolicy", "aws:s3/bucketPolicy:BucketPolicy")
            .prop("bucket", bucket.id())
            .prop(
                "policy",
                PolicyDocument {
                    statements: vec![read],
                }
                .to_value(),
            ),
    )?;
    let url = concat([
        Value::from("https://"),
        distribution.out("domainName").into(),
    ]);
    Ok(Frontend {
        bucket,
        distribution,
        url,
    })
}
