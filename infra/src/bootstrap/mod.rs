//! The account bootstrap: what a new AWS account needs before its first `deploy up`, as its own
//! small program (Pulumi project `code-remote-bootstrap`, stacks `dev` and `prod`, settings in
//! `stacks/bootstrap-<account>.yaml`), rendered and checked like the stacks' program
//! (docs/runbook.md, "Bootstrap a new account"; docs/infra.md, "Account bootstrap"):
//! - the Pulumi state bucket, where every stack prefix (`dev`, `pr`, `prod`) has its own folder
//!   and its own KMS key for Pulumi's secrets ([`state`]);
//! - the permissions boundary every role of the stacks carries ([`boundary`]);
//! - GitHub's OIDC provider and one role per GitHub environment, trusted only by this repository's
//!   workflows running in that environment, reaching only its stack prefix's state and key;
//!   `deploy` roles may create only bounded roles, and only for their stacks ([`roles`]);
//! - API Gateway's CloudWatch role for the account.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::components::account;
use crate::error::InfraError;
use crate::model::{concat, list, map, Program, Resource, Value};
use crate::naming::Naming;

pub mod boundary;
pub mod roles;
pub mod state;

/// GitHub Actions' token issuer.
pub const GITHUB_ISSUER: &str = "token.actions.githubusercontent.com";

/// What a GitHub environment's role may do in the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Deploy: every service but IAM, and IAM on the stacks' own roles and policies, bounded.
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
    /// The stack prefix it works on: `dev` (stack `dev`), `pr` (the review stacks `pr-<N>`),
    /// `prod`. Its role reaches that prefix's state folder and key only and, when it deploys, the
    /// IAM roles and policies named `code-remote-<prefix>-*`.
    pub stacks: String,
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
            let prefix = &environment.stacks;
            if prefix.is_empty()
                || !prefix
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                || prefix == "bootstrap"
            {
                return Err(invalid(
                    "code-remote:environments",
                    format!("`{name}`: `stacks` names the stack prefix the environment works on, lowercase letters and digits, not `bootstrap` (stacks: dev)"),
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

    /// Stack prefix → the GitHub environments working on it (`pr` → `review`, `review-cleanup`).
    pub fn prefixes(&self) -> BTreeMap<&str, Vec<&str>> {
        let mut prefixes: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (environment, settings) in &self.environments {
            prefixes
                .entry(settings.stacks.as_str())
                .or_default()
                .push(environment.as_str());
        }
        prefixes
    }

    /// The program's own name, apart from every stack's (`code-remote-bootstrap-<account>-...`),
    /// so that no deploy role's IAM rights reach the bootstrap's roles.
    fn bootstrap_name(&self) -> String {
        format!("bootstrap-{}", self.account)
    }
}

/// `review-cleanup` → `ReviewCleanup`: a name as part of a logical resource name.
fn pascal(name: &str) -> String {
    name.split(['-', '_', '.'])
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// Builds the bootstrap program of one account.
pub fn build(config: &BootstrapConfig) -> Result<Program, InfraError> {
    let naming = Naming::new(&config.bootstrap_name());
    let mut program = Program::new(&config.bootstrap_name());
    let provider = program.add(
        Resource::new(
            "githubOidc",
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        )
        .prop("url", format!("https://{GITHUB_ISSUER}"))
        .prop("clientIdLists", list([Value::from("sts.amazonaws.com")]))
        .prop("tags", naming.tags("github-oidc")),
    )?;
    let mut role_arns = BTreeMap::new();
    for environment in config.environments.keys() {
        let role = roles::declare(&mut program, config, environment, &provider)?;
        role_arns.insert(environment.as_str(), role);
    }
    let account_id = Value::Ref(crate::model::Ref::variable(account::ACCOUNT_VARIABLE));
    let state = state::build(&mut program, config, &naming, &account_id, &role_arns)?;
    let boundary = boundary::build(&mut program, &naming, &state)?;
    account::build(&mut program, &naming, Some(&boundary))?;
    let mut environments = Vec::new();
    for (environment, settings) in &config.environments {
        let prefix = settings.stacks.as_str();
        roles::grant(
            &mut program,
            config,
            environment,
            &role_arns[environment.as_str()],
            roles::Grants {
                account_id: &account_id,
                state: &state,
                boundary: &boundary,
            },
        )?;
        environments.push((
            environment.clone(),
            map([
                (
                    "roleArn",
                    Value::from(role_arns[environment.as_str()].arn()),
                ),
                (
                    "backendUrl",
                    concat([
                        Value::from("s3://"),
                        state.bucket.id().into(),
                        Value::from(format!("/{prefix}?region={}", config.region)),
                    ]),
                ),
                (
                    "secretsProvider",
                    Value::from(state.secrets_provider(config, prefix)),
                ),
            ]),
        ));
    }
    program.output("stateBucket", state.bucket.id());
    program.output("boundaryArn", boundary.arn());
    program.output("environments", map(environments));
    Ok(program)
}
