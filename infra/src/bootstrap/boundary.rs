//! The permissions boundary of the stacks' roles (docs/infra.md, "Account bootstrap").
//!
//! A deploy role may create and change IAM roles for its stacks, so without a ceiling it could
//! make a role stronger than itself (an administrator role passed to a function it deploys) and
//! act through it. Every role of a stack carries this boundary, and a deploy role may create or
//! change a role only when the request carries it. The boundary allows the services the stacks'
//! functions use and nothing of the state bucket or the state keys: a function of one stack can
//! never read another stack's Pulumi state or secrets, whatever its own policy says.

use crate::bootstrap::state::State;
use crate::error::InfraError;
use crate::model::{concat, list, map, Invoke, Program, Ref, Resource, ResourceRef, Value};
use crate::naming::Naming;

/// The boundary's name: one per account, outside every stack prefix's `code-remote-<prefix>-*`
/// (so no deploy role may change it).
pub const NAME: &str = "code-remote-bootstrap-boundary";

/// The services whose actions a stack's role may be granted: the functions' own (logs, queues,
/// secrets, keys, the artifacts bucket, the WebSocket Management API) and those of the managed
/// policies the checks allow (X-Ray, Lambda's network interfaces in the VPC).
pub const SERVICES: [&str; 8] = [
    "ec2",
    "execute-api",
    "kms",
    "logs",
    "s3",
    "secretsmanager",
    "sqs",
    "xray",
];

/// The variable holding the boundary's ARN in a program that uses it without declaring it.
pub const VARIABLE: &str = "permissionsBoundary";

/// The boundary's ARN in the account whose id is `account_id`.
pub fn arn_in(account_id: &Value) -> Value {
    concat([
        Value::from("arn:aws:iam::"),
        account_id.clone(),
        Value::from(format!(":policy/{NAME}")),
    ])
}

/// Declares [`VARIABLE`]: the boundary the account's bootstrap created, read by its ARN
/// (`aws:iam/getPolicy`, which then needs only `iam:GetPolicy` and `iam:GetPolicyVersion` on
/// it), so that a preview in an account never bootstrapped fails before anything changes,
/// naming the policy, instead of an update failing halfway at its first role.
pub fn look_up(program: &mut Program, account_id: &Value) -> Value {
    program.variable(
        VARIABLE,
        Value::Invoke(Invoke {
            function: "aws:iam/getPolicy:getPolicy".into(),
            arguments: [("arn".to_owned(), arn_in(account_id))].into(),
            returns: Some("arn".into()),
        }),
    );
    Value::Ref(Ref::variable(VARIABLE))
}

/// What a deploy role needs to read the boundary for [`look_up`].
pub const READ_ACTIONS: [&str; 2] = ["iam:GetPolicy", "iam:GetPolicyVersion"];

/// Declares the boundary: [`SERVICES`], but never the state bucket or a state key.
pub fn build(
    program: &mut Program,
    naming: &Naming,
    state: &State,
) -> Result<ResourceRef, InfraError> {
    let bucket = state.bucket.arn();
    let keys: Vec<Value> = state.keys.values().map(|key| key.arn().into()).collect();
    let document = map([
        ("Version", Value::from("2012-10-17")),
        (
            "Statement",
            list([
                map([
                    ("Sid", Value::from("StackServices")),
                    ("Effect", Value::from("Allow")),
                    (
                        "Action",
                        list(SERVICES.iter().map(|service| format!("{service}:*"))),
                    ),
                    ("Resource", Value::from("*")),
                ]),
                map([
                    ("Sid", Value::from("NoPulumiState")),
                    ("Effect", Value::from("Deny")),
                    ("Action", Value::from("s3:*")),
                    (
                        "Resource",
                        list([
                            Value::from(bucket.clone()),
                            concat([Value::from(bucket), Value::from("/*")]),
                        ]),
                    ),
                ]),
                map([
                    ("Sid", Value::from("NoPulumiSecrets")),
                    ("Effect", Value::from("Deny")),
                    ("Action", Value::from("kms:*")),
                    ("Resource", Value::List(keys)),
                ]),
            ]),
        ),
    ]);
    program.add(
        Resource::new("stackRoleBoundary", "aws:iam/policy:Policy")
            .prop("name", NAME)
            .prop(
                "description",
                "the most any role of a code-remote stack may do (deploy bootstrap)",
            )
            .prop("policy", Value::ToJson(Box::new(document)))
            .prop("tags", naming.tags("boundary")),
    )
}
