//! Pulumi's state for the account's stacks: one bucket, one folder and one KMS key per stack
//! prefix (docs/infra.md, "Account bootstrap").
//!
//! Each GitHub environment logs in to `s3://<bucket>/<prefix>?region=<region>` and encrypts its stacks' secrets
//! with `<prefix>`'s key. The environment roles' own policies (AWS's `PowerUserAccess` reaches
//! every bucket and key of the account) cannot keep one environment out of another's state, so
//! the bucket policy and the key policies deny them what is not theirs: another prefix's
//! objects, another prefix's key, and any change to the bucket's or the keys' settings.

use std::collections::BTreeMap;

use crate::bootstrap::{pascal, BootstrapConfig};
use crate::components::bucket::{private_bucket, BucketPlace};
use crate::error::InfraError;
use crate::model::{concat, list, map, Program, Resource, ResourceRef, Value};
use crate::naming::Naming;

/// The object actions Pulumi's S3 backend needs on its folder to change a stack (multipart
/// uploads included).
pub const OBJECT_ACTIONS: [&str; 5] = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
];

/// The key actions Pulumi's KMS secrets provider needs to change a stack.
pub const KEY_ACTIONS: [&str; 4] = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "kms:DescribeKey",
];

/// What a preview needs: Pulumi's preview, `refresh --preview-only`, `stack ls` and selecting an
/// existing stack write nothing to the backend (no lock, no checkpoint), and only decrypt.
pub const READ_OBJECT_ACTIONS: [&str; 1] = ["s3:GetObject"];

/// The key actions of a preview.
pub const READ_KEY_ACTIONS: [&str; 2] = ["kms:Decrypt", "kms:DescribeKey"];

/// The state bucket and each stack prefix's key.
#[derive(Debug, Clone)]
pub struct State {
    /// The bucket.
    pub bucket: ResourceRef,
    /// Stack prefix → its key.
    pub keys: BTreeMap<String, ResourceRef>,
    naming: Naming,
}

impl State {
    /// The alias of `prefix`'s key.
    fn alias(&self, prefix: &str) -> String {
        format!("alias/{}", self.naming.name(&format!("state-{prefix}")))
    }

    /// `pulumi stack init --secrets-provider` of the stacks under `prefix`.
    pub fn secrets_provider(&self, config: &BootstrapConfig, prefix: &str) -> String {
        format!("awskms://{}?region={}", self.alias(prefix), config.region)
    }
}

/// The condition entry "the caller is one of `roles`".
fn caller_is(roles: &[&ResourceRef]) -> (&'static str, Value) {
    (
        "ArnEquals",
        map([(
            "aws:PrincipalArn",
            Value::List(roles.iter().map(|role| role.arn().into()).collect()),
        )]),
    )
}

fn principal_in(roles: &[&ResourceRef]) -> Value {
    map([caller_is(roles)])
}

fn deny(sid: &str, entries: Vec<(&str, Value)>) -> Value {
    let mut all = vec![
        ("Sid", Value::from(sid)),
        ("Effect", Value::from("Deny")),
        ("Principal", map([("AWS", "*")])),
    ];
    all.extend(entries);
    map(all)
}

/// Declares the bucket, its policy and the keys. `roles` are the environment roles by GitHub
/// environment.
pub fn build(
    program: &mut Program,
    config: &BootstrapConfig,
    naming: &Naming,
    account_id: &Value,
    roles: &BTreeMap<&str, ResourceRef>,
) -> Result<State, InfraError> {
    let place = BucketPlace {
        naming,
        account_id,
        region: &config.region,
        force_destroy: false,
    };
    let (bucket, _) = private_bucket(program, &place, "stateBucket", "state", true)?;
    let prefixes = config.prefixes();
    let every_role: Vec<&ResourceRef> = roles.values().collect();
    let bucket_arn = || Value::from(bucket.arn());
    let mut statements = vec![
        deny(
            "OnlyTls",
            vec![
                ("Action", Value::from("s3:*")),
                (
                    "Resource",
                    list([bucket_arn(), concat([bucket_arn(), Value::from("/*")])]),
                ),
                (
                    "Condition",
                    map([("Bool", map([("aws:SecureTransport", "false")]))]),
                ),
            ],
        ),
        deny(
            "EnvironmentsOnlyUseTheirFolder",
            vec![
                (
                    "NotAction",
                    list(
                        OBJECT_ACTIONS
                            .iter()
                            .copied()
                            .chain(["s3:ListBucket", "s3:GetBucketLocation"]),
                    ),
                ),
                (
                    "Resource",
                    list([bucket_arn(), concat([bucket_arn(), Value::from("/*")])]),
                ),
                ("Condition", principal_in(&every_role)),
            ],
        ),
    ];
    let mut keys = BTreeMap::new();
    for (prefix, environments) in &prefixes {
        let own: Vec<&ResourceRef> = roles
            .iter()
            .filter(|(env, _)| environments.contains(env))
            .map(|(_, role)| role)
            .collect();
        statements.push(deny(
            &format!("Only{}Folder", pascal(prefix)),
            vec![
                ("Action", Value::from("s3:*")),
                (
                    "NotResource",
                    list([
                        bucket_arn(),
                        concat([bucket_arn(), Value::from(format!("/{prefix}/*"))]),
                    ]),
                ),
                ("Condition", principal_in(&own)),
            ],
        ));
        statements.push(deny(
            &format!("List{}FolderOnly", pascal(prefix)),
            vec![
                ("Action", Value::from("s3:ListBucket")),
                ("Resource", bucket_arn()),
                (
                    "Condition",
                    map([
                        caller_is(&own),
                        ("StringNotLike", map([("s3:prefix", format!("{prefix}/*"))])),
                    ]),
                ),
            ],
        ));
        let others: Vec<&ResourceRef> = roles
            .iter()
            .filter(|(env, _)| !environments.contains(env))
            .map(|(_, role)| role)
            .collect();
        let key = program.add(
            Resource::new(&format!("stateKey{}", pascal(prefix)), "aws:kms/key:Key")
                .prop(
                    "description",
                    format!("encrypts the Pulumi secrets of the {prefix} stacks"),
                )
                .prop("enableKeyRotation", true)
                .prop("deletionWindowInDays", 30)
                .prop("policy", key_policy(account_id, &every_role, &others))
                .prop("tags", naming.tags(&format!("state-{prefix}"))),
        )?;
        keys.insert((*prefix).to_owned(), key);
    }
    program.add(
        Resource::new("stateBucketPolicy", "aws:s3/bucketPolicy:BucketPolicy")
            .prop("bucket", bucket.id())
            .prop(
                "policy",
                Value::ToJson(Box::new(map([
                    ("Version", Value::from("2012-10-17")),
                    ("Statement", Value::List(statements)),
                ]))),
            ),
    )?;
    let state = State {
        bucket,
        keys,
        naming: naming.clone(),
    };
    for (prefix, key) in &state.keys {
        program.add(
            Resource::new(
                &format!("stateKey{}Alias", pascal(prefix)),
                "aws:kms/alias:Alias",
            )
            .prop("name", state.alias(prefix))
            .prop("targetKeyId", key.id()),
        )?;
    }
    Ok(state)
}

/// A state key's policy: the account's IAM decides as usual (administrators keep the key), but
/// no environment role may do more than use it, and those of other prefixes not even that.
fn key_policy(account_id: &Value, every_role: &[&ResourceRef], others: &[&ResourceRef]) -> Value {
    let mut statements = vec![
        map([
            ("Sid", Value::from("AccountAdministers")),
            ("Effect", Value::from("Allow")),
            (
                "Principal",
                map([(
                    "AWS",
                    concat([
                        Value::from("arn:aws:iam::"),
                        account_id.clone(),
                        Value::from(":root"),
                    ]),
                )]),
            ),
            ("Action", Value::from("kms:*")),
            ("Resource", Value::from("*")),
        ]),
        deny(
            "EnvironmentsOnlyUse",
            vec![
                ("NotAction", list(KEY_ACTIONS)),
                ("Resource", Value::from("*")),
                ("Condition", principal_in(every_role)),
            ],
        ),
    ];
    if !others.is_empty() {
        statements.push(deny(
            "OtherEnvironmentsNever",
            vec![
                ("Action", Value::from("kms:*")),
                ("Resource", Value::from("*")),
                ("Condition", principal_in(others)),
            ],
        ));
    }
    Value::ToJson(Box::new(map([
        ("Version", Value::from("2012-10-17")),
        ("Statement", Value::List(statements)),
    ])))
}
