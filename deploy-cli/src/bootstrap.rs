//! `deploy bootstrap --account dev|prod`: applies the account's bootstrap program
//! (`infra/bootstrap/`, settings `stacks/bootstrap-<account>.yaml`, infra/src/bootstrap/) and
//! prints what the repository's GitHub environments need (docs/runbook.md, "Bootstrap a new
//! account"). Its own Pulumi state cannot live in the bucket it creates: it goes to `--backend`
//! (default `PULUMI_BACKEND_URL`; Pulumi Cloud when neither is set). Then it creates the
//! committed stacks of the account, empty, where their environments will find them.

use std::collections::BTreeMap;
use std::fmt;

use code_remote_infra::bootstrap::BootstrapConfig;
use code_remote_pulumi::{PreviewOptions, Pulumi, PulumiSettings, UpOptions};
use code_remote_release::{Event, ReleaseError};
use serde::{Deserialize, Serialize};

use crate::cloud::{self, step_summary, Progress, SECRETS_PROVIDER};
use crate::output::emit;
use crate::up::confirmer;

/// Flags of `deploy bootstrap`.
#[derive(Debug, clap::Args)]
pub struct BootstrapArgs {
    /// The account: `dev` (the dev and review stacks) or `prod`.
    #[arg(long, value_parser = ["dev", "prod"])]
    pub account: String,
    /// Where the bootstrap's own Pulumi state goes (default `PULUMI_BACKEND_URL`).
    #[arg(long)]
    pub backend: Option<String>,
    /// Apply without asking.
    #[arg(long)]
    pub yes: bool,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// What one GitHub environment needs after a bootstrap (its secrets).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentValues {
    /// `AWS_DEPLOY_ROLE_ARN`: the role its workflows assume.
    pub role_arn: String,
    /// `PULUMI_BACKEND_URL`: its stack prefix's folder of the state bucket.
    pub backend_url: String,
    /// `CODE_REMOTE_SECRETS_PROVIDER`: its stack prefix's KMS key, for the stacks `deploy`
    /// creates.
    pub secrets_provider: String,
}

/// What the repository's environments need after a bootstrap.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bootstrapped {
    /// The account.
    pub account: String,
    /// The values by GitHub environment.
    pub environments: BTreeMap<String, EnvironmentValues>,
    /// The committed stacks (`stacks/<prefix>.yaml`) now created, empty, in their prefix's
    /// folder with their prefix's key, so a read-only preview role can preview them before
    /// their first deploy.
    pub stacks_created: Vec<String>,
}

impl Bootstrapped {
    fn from_outputs(
        account: &str,
        outputs: &BTreeMap<String, serde_json::Value>,
    ) -> Result<Self, ReleaseError> {
        let environments = outputs
            .get("environments")
            .cloned()
            .ok_or_else(|| {
                ReleaseError::Invalid("the bootstrap stack has no output environments".into())
            })
            .and_then(|value| {
                serde_json::from_value(value).map_err(|e| {
                    ReleaseError::Invalid(format!(
                        "the bootstrap stack's output environments is unreadable: {e}"
                    ))
                })
            })?;
        Ok(Self {
            account: account.to_owned(),
            environments,
            stacks_created: Vec::new(),
        })
    }
}

impl fmt::Display for Bootstrapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "account {} is bootstrapped; set these secrets in the repository's environments:",
            self.account
        )?;
        for (environment, values) in &self.environments {
            writeln!(f, "  environment {environment}:")?;
            writeln!(f, "    AWS_DEPLOY_ROLE_ARN={}", values.role_arn)?;
            writeln!(f, "    PULUMI_BACKEND_URL={}", values.backend_url)?;
            writeln!(f, "    {SECRETS_PROVIDER}={}", values.secrets_provider)?;
        }
        for stack in &self.stacks_created {
            writeln!(
                f,
                "stack {stack} is ready in its folder of the state bucket, with its key"
            )?;
        }
        writeln!(
            f,
            "stacks created from now on keep their secrets with their prefix's key; move an existing one with pulumi stack change-secrets-provider (docs/runbook.md)"
        )
    }
}

/// Creates, empty, every committed stack (`stacks/<prefix>.yaml`) one of the account's
/// environments works on, in its prefix's folder and with its prefix's key; a stack already
/// there is left as it is. Returns their names.
fn create_stacks(
    root: &std::path::Path,
    config: &BootstrapConfig,
    done: &Bootstrapped,
) -> anyhow::Result<Vec<String>> {
    let mut created = Vec::new();
    for (prefix, environments) in config.prefixes() {
        let committed = root.join("stacks").join(format!("{prefix}.yaml"));
        let values = environments
            .first()
            .and_then(|environment| done.environments.get(*environment));
        let (true, Some(values)) = (committed.is_file(), values) else {
            continue;
        };
        let work = root.join("target/pulumi-stacks");
        let pulumi = Pulumi::new(PulumiSettings {
            program_dir: root.join("infra"),
            config_file: code_remote_pulumi::working_copy(&committed, &work)
                .map_err(ReleaseError::from)?,
            stack: prefix.to_owned(),
            release: "current".to_owned(),
            backend: Some(values.backend_url.clone()),
            create: true,
            secrets_provider: Some(values.secrets_provider.clone()),
            env: Vec::new(),
        });
        pulumi.login_and_select().map_err(ReleaseError::from)?;
        created.push(prefix.to_owned());
    }
    Ok(created)
}

/// Applies the account's bootstrap program.
pub async fn run(args: BootstrapArgs) -> anyhow::Result<()> {
    let root = cloud::repo_root()?;
    let committed = root
        .join("stacks")
        .join(format!("bootstrap-{}.yaml", args.account));
    let work = root.join("target/pulumi-stacks");
    let config_file =
        code_remote_pulumi::working_copy(&committed, &work).map_err(ReleaseError::from)?;
    let pulumi = Pulumi::new(PulumiSettings {
        program_dir: root.join("infra/bootstrap"),
        config_file,
        stack: args.account.clone(),
        release: "current".to_owned(),
        backend: args
            .backend
            .clone()
            .or_else(|| cloud::variable("PULUMI_BACKEND_URL")),
        create: true,
        // The bootstrap's own stack keeps Pulumi's default provider: the keys it creates are
        // the stacks', and its backend is not the state bucket.
        secrets_provider: None,
        env: vec![(
            "CODE_REMOTE_STACKS_DIR".to_owned(),
            work.display().to_string(),
        )],
    });
    pulumi.login_and_select().map_err(ReleaseError::from)?;
    let preview = pulumi
        .preview(&PreviewOptions::default())
        .map_err(ReleaseError::from)?;
    if let Some(error) = preview.errors().next() {
        return Err(ReleaseError::Invalid(format!(
            "the bootstrap preview failed: {}",
            error.message.trim()
        ))
        .into());
    }
    if !confirmer(args.yes)(&preview) {
        return Err(ReleaseError::Cancelled.into());
    }
    let progress = Progress::new();
    let result = pulumi.up(&UpOptions::default(), |line| {
        progress.show(Event::Pulumi(line))
    });
    progress.finish();
    result.map_err(ReleaseError::from)?;
    let outputs = pulumi.output_values().map_err(ReleaseError::from)?;
    let mut done = Bootstrapped::from_outputs(&args.account, &outputs)?;
    let config = BootstrapConfig::load(&root.join("stacks"), &args.account)?;
    done.stacks_created = create_stacks(&root, &config, &done)?;
    step_summary(&format!(
        "### Bootstrap of {}\n\n```\n{done}```",
        args.account
    ));
    emit(&done, args.json)
}
