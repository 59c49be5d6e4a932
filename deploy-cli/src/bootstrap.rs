//! `deploy bootstrap --account dev|prod`: applies the account's bootstrap program
//! (`infra/bootstrap/`, settings `stacks/bootstrap-<account>.yaml`, infra/src/bootstrap.rs) and
//! prints what the repository's GitHub environments need (docs/runbook.md, "Bootstrap a new
//! account"). Its own Pulumi state cannot live in the bucket it creates: it goes to `--backend`
//! (default `PULUMI_BACKEND_URL`; Pulumi Cloud when neither is set).

use std::collections::BTreeMap;
use std::fmt;

use code_remote_pulumi::{PreviewOptions, Pulumi, PulumiSettings, UpOptions};
use code_remote_release::{Event, ReleaseError};
use serde::Serialize;

use crate::cloud::{self, step_summary, Progress};
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

/// What the repository's environments need after a bootstrap.
#[derive(Debug, Serialize)]
pub struct Bootstrapped {
    /// The account.
    pub account: String,
    /// `PULUMI_BACKEND_URL` of every environment of the account.
    pub backend_url: String,
    /// The KMS secrets provider a stack may be moved to (`pulumi stack change-secrets-provider`).
    pub secrets_provider: String,
    /// `AWS_DEPLOY_ROLE_ARN` by GitHub environment.
    pub role_arns: BTreeMap<String, String>,
}

impl Bootstrapped {
    fn from_outputs(
        account: &str,
        outputs: &BTreeMap<String, serde_json::Value>,
    ) -> Result<Self, ReleaseError> {
        let text = |key: &str| {
            outputs
                .get(key)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| {
                    ReleaseError::Invalid(format!("the bootstrap stack has no output {key}"))
                })
        };
        let role_arns = outputs
            .get("roleArns")
            .and_then(serde_json::Value::as_object)
            .map(|roles| {
                roles
                    .iter()
                    .filter_map(|(env, arn)| Some((env.clone(), arn.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            account: account.to_owned(),
            backend_url: text("backendUrl")?,
            secrets_provider: text("secretsProvider")?,
            role_arns,
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
        for (environment, arn) in &self.role_arns {
            writeln!(f, "  environment {environment}:")?;
            writeln!(f, "    AWS_DEPLOY_ROLE_ARN={arn}")?;
            writeln!(f, "    PULUMI_BACKEND_URL={}", self.backend_url)?;
            writeln!(f, "    PULUMI_CONFIG_PASSPHRASE=<a passphrase of your own, the same in every environment of the account>")?;
        }
        writeln!(
            f,
            "the stacks' secrets may move to the account's KMS key: pulumi stack change-secrets-provider {} (docs/runbook.md)",
            self.secrets_provider
        )
    }
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
    let done = Bootstrapped::from_outputs(&args.account, &outputs)?;
    step_summary(&format!(
        "### Bootstrap of {}\n\n```\n{done}```",
        args.account
    ));
    emit(&done, args.json)
}
