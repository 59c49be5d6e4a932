//! The account bootstrap: what a new AWS account needs before its first `deploy up`, as its own
//! small program (Pulumi project `code-remote-bootstrap`, stacks `dev` and `prod`, settings in
//! `stacks/bootstrap-<account>.yaml`), rendered and checked like the stacks' program
//! (docs/runbook.md, "Bootstrap a new account"):
//! - the Pulumi state bucket (private, versioned) and the KMS key of Pulumi's secrets;
//! - GitHub's OIDC provider and one role per GitHub environment, trusted only by this repository's
//!   workflows running in that environment: `deploy` roles change the account (AWS's
//!   `PowerUserAccess`, and IAM only on the roles and policies of the stacks the environment
//!   deploys: `code-remote-dev-*` for `dev`, `code-remote-pr-*` for `review`; never the
//!   bootstrap's own `code-remote-bootstrap-*`), `preview` roles only read it (`ReadOnlyAccess`);
//!   both use the state bucket and the key;
//! - API Gateway's CloudWatch role for the account.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::components::account;
use crate::components::bucket::{private_bucket, BucketPlace};
use crate::error::InfraError;
use crate::model::{concat, list, map, Program, Resource, ResourceRef, Value};
use crate::naming::Naming;

/// GitHub Actions' token issuer.
pub const GITHUB_ISSUER: &str = "token.actions.githubusercontent.com";

/// What a GitHub environment's role may do in the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Deploy: every service but IAM, and IAM on the stacks' own roles and policies.
    Deploy,
    /// Preview and drift: read the account, write nothing but Pulumi's state.
    Preview,
}

impl Access {
    /// The AWS managed policy the role carries.
    pub fn managed_policy(self) -> &'static str {
        match self {
            Self::Deploy => "arn:aws:iam::aws:policy/PowerUserAccess",
            Self::Preview => "arn:aws:iam::aws:policy/ReadOnlyAccess",
        }
    }
}

/// The managed policies a GitHub environment's role may carry (the policy checks allow them on
/// such roles only).
pub const ENVIRONMENT_POLICIES: [&str; 2] = [
    "arn:aws:iam::aws:policy/PowerUserAccess",
    "arn:aws:iam::aws:policy/ReadOnlyAccess",
];

#[derive(Deserialize)]
struct File {
    config: RawBootstrap,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBootstrap {
    #[serde(rename = "aws:region")]
    region: String,
    #[serde(rename = "code-remote:repository")]
    repository: String,
    #[serde(rename = "code-remote:environments")]
    environments: BTreeMap<String, Environment>,
}

/// One GitHub environment of the repository.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// What its role may do.
    pub access: Access,
    /// The stacks' name prefixes its role may manage IAM for (`dev` for `code-remote-dev-*`,
    /// `pr` for the review stacks); a deploy role needs at least one.
    #[serde(default)]
    pub stacks: Vec<String>,
}

/// Validated settings of one account's bootstrap.
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapConfig {
    /// The account's name: `dev` or `prod`.
    pub account: String,
    /// The AWS region of the state bucket and the key.
    pub region: String,
    /// The GitHub repository (`owner/name`) whose workflows may assume the roles.
    pub repository: String,
    /// GitHub environment → what its role may do.
    pub environments: BTreeMap<String, Environment>,
}

impl BootstrapConfig {
    /// Reads and validates `<stacks_dir>/bootstrap-<account>.yaml`.
    pub fn load(stacks_dir: &Path, account: &str) -> Result<Self, InfraError> {
        let path = stacks_dir.join(format!("bootstrap-{account}.yaml"));
        Self::parse(account, &crate::config::read_settings(&path)?, &path)
    }

    /// Parses and validates bootstrap settings (`path` is only used in messages).
    pub fn parse(account: &str, text: &str, path: &Path) -> Result<Self, InfraError> {
        let invalid =
            |key: &'static str, message: String| InfraError::InvalidSetting { key, message };
        if !matches!(account, "dev" | "prod") {
            return Err(invalid(
                "account",
                format!("`{account}` is not an account: use dev or prod"),
            ));
        }
        let file: File = serde_yaml_ng::from_str(text).map_err(|e| InfraError::ParseStack {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let raw = file.config;
        let name_part = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        match raw.repository.split_once('/') {
            Some((owner, name)) if name_part(owner) && name_part(name) => {}
            _ => {
                return Err(invalid(
                    "code-remote:repository",
                    format!("`{}` is not owner/name", raw.repository),
                ))
            }
        }
        if raw.environments.is_empty() {
            return Err(invalid(
                "code-remote:environments",
                "name at least one GitHub environment".into(),
            ));
        }
        if let Some(bad) = raw.environments.keys().find(|env| !name_part(env)) {
            return Err(invalid(
                "code-remote:environments",
                format!("`{bad}` is not a GitHub environment name"),
            ));
        }
        for (name, environment) in &raw.environments {
            let prefix_ok = |p: &String| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            };
            if environment.access == Access::Deploy && environment.stacks.is_empty()
                || !environment.stacks.iter().all(prefix_ok)
                || environment.stacks.iter().any(|p| p == "bootstrap")
            {
                return Err(invalid(
                    "code-remote:environments",
                    format!("`{name}`: a deploy role names the stacks it deploys, as lowercase prefixes (stacks: [dev])"),
                ));
            }
        }
        if raw.region.split('-').count() < 3 {
            return Err(invalid(
                "aws:region",
                format!("`{}` is not a region", raw.region),
            ));
        }
        Ok(Self {
            account: account.to_owned(),
            region: raw.region,
            repository: raw.repository,
            environments: raw.environments,
        })
    }

    /// The name of the role GitHub environment `environment` assumes.
    pub fn role_name(&self, environment: &str) -> String {
        Naming::new(&self.bootstrap_name()).name(&format!("github-{environment}"))
    }

    /// The program's own name, apart from every stack's (`code-remote-bootstrap-<account>-...`),
    /// so that no deploy role's IAM rights reach the bootstrap's roles.
    fn bootstrap_name(&self) -> String {
        format!("bootstrap-{}", self.account)
    }
}

/// Builds the bootstrap program of one account.
pub fn build(config: &BootstrapConfig) -> Result<Program, InfraError> {
    let naming = Naming::new(&config.bootstrap_name());
    let mut program = Program::new(&config.bootstrap_name());
    let account = account::build(&mut program, &naming)?;
    let key = program.add(
        Resource::new("pulumiSecretsKey", "aws:kms/key:Key")
            .prop(
                "description",
                "encrypts the Pulumi stacks' secrets (secrets provider awskms://alias/...)",
            )
            .prop("enableKeyRotation", true)
            .prop("deletionWindowInDays", 30)
            .prop("tags", naming.tags("pulumi-secrets")),
    )?;
    program.add(
        Resource::new("pulumiSecretsKeyAlias", "aws:kms/alias:Alias")
            .prop("name", format!("alias/{}", naming.name("pulumi-secrets")))
            .prop("targetKeyId", key.id()),
    )?;
    let place = BucketPlace {
        naming: &naming,
        account_id: &account.id,
        region: &config.region,
        force_destroy: false,
    };
    let (state, _) = private_bucket(&mut program, &place, "stateBucket", "state", true)?;
    let provider = program.add(
        Resource::new(
            "githubOidc",
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        )
        .prop("url", format!("https://{GITHUB_ISSUER}"))
        .prop("clientIdLists", list([Value::from("sts.amazonaws.com")]))
        .prop("tags", naming.tags("github-oidc")),
    )?;
    let mut roles = Vec::new();
    for (environment, settings) in &config.environments {
        let role = environment_role(
            &mut program,
            config,
            &account.id,
            EnvironmentRole {
                environment,
                settings,
                provider: &provider,
                state: &state,
                key: &key,
            },
        )?;
        roles.push((environment.clone(), Value::from(role.arn())));
    }
    program.output("stateBucket", state.id());
    program.output(
        "backendUrl",
        concat([Value::from("s3://"), state.id().into()]),
    );
    program.output(
        "secretsProvider",
        format!(
            "awskms://alias/{}?region={}",
            naming.name("pulumi-secrets"),
            config.region
        ),
    );
    program.output("roleArns", map(roles));
    Ok(program)
}

struct EnvironmentRole<'a> {
    environment: &'a str,
    settings: &'a Environment,
    provider: &'a ResourceRef,
    state: &'a ResourceRef,
    key: &'a ResourceRef,
}

fn logical_role(environment: &str) -> String {
    let camel: String = environment
        .split(['-', '_', '.'])
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    format!("github{camel}Role")
}

/// One GitHub environment's role: trusted by this repository's workflows in that environment
/// only, with the state bucket, the key and its access.
fn environment_role(
    program: &mut Program,
    config: &BootstrapConfig,
    account_id: &Value,
    role: EnvironmentRole<'_>,
) -> Result<ResourceRef, InfraError> {
    let logical = logical_role(role.environment);
    let naming = Naming::new(&config.bootstrap_name());
    let trust = Value::ToJson(Box::new(map([
        ("Version", Value::from("2012-10-17")),
        (
            "Statement",
            list([map([
                ("Effect", Value::from("Allow")),
                ("Action", Value::from("sts:AssumeRoleWithWebIdentity")),
                ("Principal", map([("Federated", role.provider.arn())])),
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
                                    "repo:{}:environment:{}",
                                    config.repository, role.environment
                                )),
                            ),
                        ]),
                    )]),
                ),
            ])]),
        ),
    ])));
    let created = program.add(
        Resource::new(&logical, "aws:iam/role:Role")
            .prop("name", config.role_name(role.environment))
            .prop("assumeRolePolicy", trust)
            .prop("maxSessionDuration", 7200)
            .prop(
                "description",
                format!(
                    "GitHub Actions of {} in environment {}",
                    config.repository, role.environment
                ),
            )
            .prop("tags", naming.tags(&format!("github-{}", role.environment))),
    )?;
    program.add(
        Resource::new(
            &format!("{logical}Access"),
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        )
        .prop("role", created.id())
        .prop("policyArn", role.settings.access.managed_policy()),
    )?;
    let iam = |suffix: &str| {
        concat([
            Value::from("arn:aws:iam::"),
            account_id.clone(),
            Value::from(format!(":{suffix}")),
        ])
    };
    let mut statements = vec![
        map([
            ("Effect", Value::from("Allow")),
            (
                "Action",
                list([
                    Value::from("s3:GetObject"),
                    Value::from("s3:PutObject"),
                    Value::from("s3:DeleteObject"),
                ]),
            ),
            (
                "Resource",
                list([concat([role.state.arn().into(), Value::from("/*")])]),
            ),
        ]),
        map([
            ("Effect", Value::from("Allow")),
            ("Action", list([Value::from("s3:ListBucket")])),
            ("Resource", list([role.state.arn()])),
        ]),
        map([
            ("Effect", Value::from("Allow")),
            (
                "Action",
                list([
                    Value::from("kms:Encrypt"),
                    Value::from("kms:Decrypt"),
                    Value::from("kms:GenerateDataKey"),
                    Value::from("kms:DescribeKey"),
                ]),
            ),
            ("Resource", list([role.key.arn()])),
        ]),
    ];
    if role.settings.access == Access::Deploy {
        let stacks = role.settings.stacks.iter().flat_map(|prefix| {
            ["role", "policy"].map(|kind| iam(&format!("{kind}/code-remote-{prefix}-*")))
        });
        statements.push(map([
            ("Effect", Value::from("Allow")),
            ("Action", list([Value::from("iam:*")])),
            ("Resource", Value::List(stacks.collect())),
        ]));
    }
    program.add(
        Resource::new(&format!("{logical}Policy"), "aws:iam/rolePolicy:RolePolicy")
            .prop("role", created.id())
            .prop(
                "policy",
                Value::ToJson(Box::new(map([
                    ("Version", Value::from("2012-10-17")),
                    ("Statement", Value::List(statements)),
                ]))),
            ),
    )?;
    Ok(created)
}
