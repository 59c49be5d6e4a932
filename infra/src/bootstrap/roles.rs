//! One role per GitHub environment (docs/infra.md, "Account bootstrap"): trusted only by this
//! repository's workflows running in that environment, with its stack prefix's state folder and
//! key, and, for a deploy role, IAM on its stacks' roles under the permissions boundary only.

use crate::bootstrap::state::{
    State, KEY_ACTIONS, OBJECT_ACTIONS, READ_KEY_ACTIONS, READ_OBJECT_ACTIONS,
};
use crate::bootstrap::{boundary, pascal, Access, BootstrapConfig, GITHUB_ISSUER};
use crate::error::InfraError;
use crate::model::{concat, list, map, Program, Resource, ResourceRef, Value};
use crate::naming::Naming;

/// The IAM actions on a stack's role that must carry the boundary (`iam:PermissionsBoundary`):
/// creating it, and every change to what it may do.
pub const BOUNDED_ROLE_ACTIONS: [&str; 6] = [
    "iam:CreateRole",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
];

/// The rest of what Pulumi does to a stack's role: read, tag, describe, delete.
const ROLE_ACTIONS: [&str; 12] = [
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:ListRoleTags",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
    "iam:UpdateAssumeRolePolicy",
    "iam:DeleteRole",
];

/// What Pulumi does to a stack's managed policy (they can only reach bounded roles).
const POLICY_ACTIONS: [&str; 11] = [
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListPolicyVersions",
    "iam:ListPolicyTags",
    "iam:SetDefaultPolicyVersion",
    "iam:TagPolicy",
    "iam:UntagPolicy",
];

/// The services a stack hands its roles to.
pub const PASSED_TO: [&str; 2] = ["lambda.amazonaws.com", "apigateway.amazonaws.com"];

fn logical_role(environment: &str) -> String {
    format!("github{}Role", pascal(environment))
}

/// Declares GitHub environment `environment`'s role, trusted by this repository's workflows in
/// that environment only, with its managed policy.
pub fn declare(
    program: &mut Program,
    config: &BootstrapConfig,
    environment: &str,
    provider: &ResourceRef,
) -> Result<ResourceRef, InfraError> {
    let logical = logical_role(environment);
    let naming = Naming::new(&config.bootstrap_name());
    let trust = Value::ToJson(Box::new(map([
        ("Version", Value::from("2012-10-17")),
        (
            "Statement",
            list([map([
                ("Effect", Value::from("Allow")),
                ("Action", Value::from("sts:AssumeRoleWithWebIdentity")),
                ("Principal", map([("Federated", provider.arn())])),
                (
                    "Condition",
                    map([(
                        "StringEquals",
                        map([
                            (
                                format!("{GITHUB_ISSUER}:aud"),
                                Value::from("sts.amazonaws.com"),
                            ),
                            (
                                format!("{GITHUB_ISSUER}:sub"),
                                Value::from(format!(
                                    "repo:{}:environment:{environment}",
                                    config.repository
                                )),
                            ),
                        ]),
                    )]),
                ),
            ])]),
        ),
    ])));
    let role = program.add(
        Resource::new(&logical, "aws:iam/role:Role")
            .prop("name", config.role_name(environment))
            .prop("assumeRolePolicy", trust)
            .prop("maxSessionDuration", 7200)
            .prop(
                "description",
                format!(
                    "GitHub Actions of {} in environment {environment}",
                    config.repository
                ),
            )
            .prop("tags", naming.tags(&format!("github-{environment}"))),
    )?;
    program.add(
        Resource::new(
            &format!("{logical}Access"),
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        )
        .prop("role", role.id())
        .prop(
            "policyArn",
            config.environments[environment].access.managed_policy(),
        ),
    )?;
    Ok(role)
}

/// What an environment's inline policy refers to.
#[derive(Debug, Clone, Copy)]
pub struct Grants<'a> {
    /// `${accountId}`.
    pub account_id: &'a Value,
    /// The state bucket and keys.
    pub state: &'a State,
    /// The stacks' permissions boundary.
    pub boundary: &'a ResourceRef,
}

fn statement(effect: &str, actions: &[&str], resources: Vec<Value>) -> Vec<(&'static str, Value)> {
    vec![
        ("Effect", Value::from(effect)),
        ("Action", list(actions.iter().copied())),
        ("Resource", Value::List(resources)),
    ]
}

fn with_condition(
    mut entries: Vec<(&'static str, Value)>,
    operator: &str,
    key: &str,
    value: Value,
) -> Value {
    entries.push(("Condition", map([(operator, map([(key, value)]))])));
    map(entries)
}

/// Declares GitHub environment `environment`'s inline policy: its state folder and key (a
/// preview role only reads and decrypts), and for a deploy role, its stacks' roles and policies
/// under the boundary.
pub fn grant(
    program: &mut Program,
    config: &BootstrapConfig,
    environment: &str,
    role: &ResourceRef,
    grants: Grants<'_>,
) -> Result<ResourceRef, InfraError> {
    let logical = logical_role(environment);
    let settings = &config.environments[environment];
    let prefix = settings.stacks.as_str();
    let bucket = Value::from(grants.state.bucket.arn());
    let iam = |suffix: String| {
        concat([
            Value::from("arn:aws:iam::"),
            grants.account_id.clone(),
            Value::from(format!(":{suffix}")),
        ])
    };
    let (objects, keys): (&[&str], &[&str]) = match settings.access {
        Access::Deploy => (&OBJECT_ACTIONS, &KEY_ACTIONS),
        Access::Preview => (&READ_OBJECT_ACTIONS, &READ_KEY_ACTIONS),
    };
    let mut statements = vec![
        map(statement(
            "Allow",
            objects,
            vec![concat([
                bucket.clone(),
                Value::from(format!("/{prefix}/*")),
            ])],
        )),
        with_condition(
            statement("Allow", &["s3:ListBucket"], vec![bucket]),
            "StringLike",
            "s3:prefix",
            Value::from(format!("{prefix}/*")),
        ),
        map(statement(
            "Allow",
            keys,
            vec![grants.state.keys[prefix].arn().into()],
        )),
    ];
    // No environment role chains into another role: not into a stack role it made (which could
    // otherwise carry the role's rights past the session), nor any role that trusts the account.
    statements.push(map(statement(
        "Deny",
        &["sts:AssumeRole"],
        vec![Value::from("*")],
    )));
    // Nor does it touch the stacks of another prefix in its account (the review role, dev's):
    // nothing tagged as theirs, and none of their buckets (S3 objects are not authorized by tags).
    for other in config
        .prefixes()
        .into_keys()
        .filter(|other| *other != prefix)
    {
        statements.push(with_condition(
            statement("Deny", &["*"], vec![Value::from("*")]),
            "StringLike",
            "aws:ResourceTag/Environment",
            list([other.to_owned(), format!("{other}-*")]),
        ));
        statements.push(map(statement(
            "Deny",
            &["s3:*"],
            vec![
                Value::from(format!("arn:aws:s3:::code-remote-{other}-*")),
                Value::from(format!("arn:aws:s3:::code-remote-{other}-*/*")),
            ],
        )));
    }
    if settings.access == Access::Deploy {
        let roles = || vec![iam(format!("role/code-remote-{prefix}-*"))];
        statements.extend([
            with_condition(
                statement("Allow", &BOUNDED_ROLE_ACTIONS, roles()),
                "ArnEquals",
                "iam:PermissionsBoundary",
                grants.boundary.arn().into(),
            ),
            map(statement("Allow", &ROLE_ACTIONS, roles())),
            map(statement(
                "Allow",
                &POLICY_ACTIONS,
                vec![iam(format!("policy/code-remote-{prefix}-*"))],
            )),
            with_condition(
                statement("Allow", &["iam:PassRole"], roles()),
                "StringEquals",
                "iam:PassedToService",
                list(PASSED_TO),
            ),
            map(statement(
                "Allow",
                &boundary::READ_ACTIONS,
                vec![grants.boundary.arn().into()],
            )),
            map(statement(
                "Deny",
                &["iam:DeleteRolePermissionsBoundary"],
                vec![Value::from("*")],
            )),
            map(statement(
                "Deny",
                &[
                    "iam:CreatePolicyVersion",
                    "iam:DeletePolicy",
                    "iam:DeletePolicyVersion",
                    "iam:SetDefaultPolicyVersion",
                ],
                vec![grants.boundary.arn().into()],
            )),
        ]);
    }
    program.add(
        Resource::new(&format!("{logical}Policy"), "aws:iam/rolePolicy:RolePolicy")
            .prop("role", role.id())
            .prop(
                "policy",
                Value::ToJson(Box::new(map([
                    ("Version", Value::from("2012-10-17")),
                    ("Statement", Value::List(statements)),
                ]))),
            ),
    )
}
