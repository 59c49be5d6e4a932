//! The Pulumi CLI, driven for one stack of the infra program.

use std::ffi::OsString;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::digest::PreviewDigest;
use crate::error::PulumiError;
use crate::events::{EngineEvent, Progress, ProgressLine};
use crate::outputs::StackOutputs;
use crate::tool::{Tool, ToolError};

/// Where the infra program and the stack settings live, and which release to deploy.
#[derive(Debug, Clone)]
pub struct PulumiSettings {
    /// The directory holding `Pulumi.yaml` (the repository's `infra/`).
    pub program_dir: PathBuf,
    /// The stack settings file (`stacks/<stack>.yaml`), passed as `--config-file`.
    pub config_file: PathBuf,
    /// The stack name.
    pub stack: String,
    /// The release whose zips the program references (`CODE_REMOTE_RELEASE`).
    pub release: String,
    /// The state backend to log in to (`PULUMI_BACKEND_URL`); none keeps the CLI's own session.
    pub backend: Option<String>,
    /// Whether this run may create the stack when the backend has none (review stacks, the
    /// account bootstrap); otherwise a missing stack is an error, never a silent empty stack
    /// whose preview would plan to create everything anew.
    pub create: bool,
    /// The secrets provider a stack created by this run gets (`--secrets-provider`, e.g. the
    /// account's `awskms://` key of the stack's prefix); none keeps Pulumi's default (the
    /// passphrase, for a DIY backend). An existing stack keeps its own.
    pub secrets_provider: Option<String>,
    /// Extra environment for every CLI run (e.g. `PULUMI_CONFIG_PASSPHRASE`, `AWS_PROFILE`).
    pub env: Vec<(String, String)>,
}

/// The outcome of an update, folded from its event stream.
#[derive(Debug, Clone, Serialize)]
pub struct UpSummary {
    /// Counts, failures and the engine's summary.
    pub progress: Progress,
}

/// One stack of the project, as `pulumi stack ls --json` lists it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StackSummary {
    /// The stack's name.
    pub name: String,
    /// When its last update ended (`2026-08-20T14:03:11.123Z`); absent while one runs.
    #[serde(default)]
    pub last_update: Option<String>,
    /// Resources in its state, the stack itself and providers included.
    #[serde(default)]
    pub resource_count: Option<u64>,
}

/// How `up` applies the program.
#[derive(Debug, Clone, Default)]
pub struct UpOptions {
    /// Read the cloud into the state first (`--refresh`), so the program overwrites what was
    /// changed outside Pulumi instead of leaving it.
    pub refresh: bool,
    /// Apply only what this saved plan allows (`--plan`, written by `preview --save-plan`):
    /// Pulumi stops at the first step the plan does not allow.
    pub plan: Option<PathBuf>,
}

/// How `preview` computes the plan.
#[derive(Debug, Clone, Default)]
pub struct PreviewOptions {
    /// Read the cloud into the plan's starting point first (`--refresh`): the plan then also
    /// puts back what was changed outside Pulumi, as `up` with [`UpOptions::refresh`] does.
    pub refresh: bool,
    /// Save Pulumi's update plan there (`--save-plan`), for [`UpOptions::plan`].
    pub save_plan: Option<PathBuf>,
}

/// The Pulumi CLI bound to one stack.
#[derive(Debug, Clone)]
pub struct Pulumi {
    tool: Tool,
    settings: PulumiSettings,
}

impl Pulumi {
    /// The CLI (`pulumi` on `PATH`, or `$PULUMI`) for `settings`.
    pub fn new(settings: PulumiSettings) -> Self {
        Self {
            tool: Tool::new(
                "pulumi",
                "PULUMI",
                "install the Pulumi CLI: curl -fsSL https://get.pulumi.com | sh, or see https://www.pulumi.com/docs/install/",
            )
            .unset_when_empty("PULUMI_CONFIG_PASSPHRASE"),
            settings,
        }
    }

    /// The settings this driver runs with.
    pub fn settings(&self) -> &PulumiSettings {
        &self.settings
    }

    /// Fails early, with the one line that says what to install, when the CLI is missing.
    pub fn check_installed(&self) -> Result<(), PulumiError> {
        self.tool.locate()?;
        if !self.settings.config_file.is_file() {
            return Err(PulumiError::NoStackFile(self.settings.config_file.clone()));
        }
        Ok(())
    }

    fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            (
                "CODE_REMOTE_RELEASE".to_owned(),
                self.settings.release.clone(),
            ),
            ("PULUMI_SKIP_UPDATE_CHECK".to_owned(), "true".to_owned()),
            // The `--config-file` is a working copy that holds no secrets provider on a fresh
            // checkout: Pulumi then takes the stack's own provider from its state (and writes it
            // into the copy) instead of switching the stack to a new passphrase provider.
            (
                "PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER".to_owned(),
                "true".to_owned(),
            ),
        ];
        if let Some(backend) = &self.settings.backend {
            env.push(("PULUMI_BACKEND_URL".to_owned(), backend.clone()));
        }
        env.extend(self.settings.env.iter().cloned());
        env
    }

    fn stack_args<'a>(&'a self, args: &[&'a str]) -> Vec<&'a str> {
        let mut all = args.to_vec();
        all.extend(["--stack", self.settings.stack.as_str(), "--non-interactive"]);
        all
    }

    fn config_args<'a>(&'a self, args: &[&'a str]) -> Vec<OsString> {
        let mut all: Vec<OsString> = self.stack_args(args).into_iter().map(Into::into).collect();
        all.push("--config-file".into());
        all.push(self.settings.config_file.clone().into_os_string());
        all
    }

    /// Logs in to the configured backend, or checks the existing session.
    pub fn login(&self) -> Result<(), PulumiError> {
        self.check_installed()?;
        let dir = &self.settings.program_dir;
        let env = self.env();
        if let Some(backend) = &self.settings.backend {
            self.tool
                .run(&["login", backend.as_str(), "--non-interactive"], dir, &env)?;
        }
        match self.tool.run(&["whoami", "--non-interactive"], dir, &env) {
            Ok(_) => Ok(()),
            Err(ToolError::Failed { .. }) => Err(PulumiError::NotLoggedIn),
            Err(other) => Err(other.into()),
        }
    }

    /// `pulumi stack ls --json`: every stack of the project in the backend.
    pub fn stacks(&self) -> Result<Vec<StackSummary>, PulumiError> {
        let text = self.tool.run(
            &["stack", "ls", "--json", "--non-interactive"],
            &self.settings.program_dir,
            &self.env(),
        )?;
        serde_json::from_str(&text).map_err(|source| PulumiError::Unreadable {
            command: "stack ls".to_owned(),
            source,
        })
    }

    /// `pulumi stack rm --yes`: forgets the stack once its resources are destroyed (Pulumi
    /// refuses while it still has any).
    pub fn remove_stack(&self) -> Result<(), PulumiError> {
        let args = self.stack_args(&["stack", "rm", "--yes"]);
        self.tool
            .run(&args, &self.settings.program_dir, &self.env())?;
        Ok(())
    }

    /// Logs in to the configured backend (or checks the existing session) and selects the
    /// stack; when the run may create it ([`PulumiSettings::create`]), it is created on first
    /// use with the configured secrets provider.
    pub fn login_and_select(&self) -> Result<(), PulumiError> {
        self.login()?;
        let dir = &self.settings.program_dir;
        let env = self.env();
        let stack = self.settings.stack.as_str();
        let mut args = vec!["stack", "select"];
        if self.settings.create {
            // Pulumi reads a `Pulumi.<stack>.yaml` beside the program when it creates a stack
            // (never afterwards: `deploy` gives every command `--config-file`). One left by an
            // earlier stack of that name may hold another key's data key, so it goes first.
            let leftover = dir.join(format!("Pulumi.{stack}.yaml"));
            if leftover.is_file() {
                std::fs::remove_file(&leftover).map_err(|source| PulumiError::WorkingCopy {
                    path: leftover.clone(),
                    source,
                })?;
            }
            args.push("--create");
        }
        args.extend([stack, "--non-interactive"]);
        if let (true, Some(provider)) = (self.settings.create, &self.settings.secrets_provider) {
            args.extend(["--secrets-provider", provider.as_str()]);
        }
        match self.tool.run(&args, dir, &env) {
            Err(ToolError::Failed { stderr, .. })
                if !self.settings.create && stderr.contains("no stack named") =>
            {
                Err(PulumiError::NoStack {
                    stack: stack.to_owned(),
                    backend: self
                        .settings
                        .backend
                        .clone()
                        .unwrap_or_else(|| "of the CLI's session".to_owned()),
                })
            }
            other => other.map(drop).map_err(Into::into),
        }
    }

    /// `pulumi preview --json`: the plan, parsed (and saved, or made after a refresh, as
    /// `options` say).
    pub fn preview(&self, options: &PreviewOptions) -> Result<PreviewDigest, PulumiError> {
        let mut flags = vec!["preview", "--json"];
        if options.refresh {
            flags.push("--refresh");
        }
        let mut args = self.config_args(&flags);
        if let Some(plan) = &options.save_plan {
            args.push("--save-plan".into());
            args.push(plan.as_os_str().to_owned());
        }
        self.digest("preview", args)
    }

    /// `pulumi refresh --preview-only --json`: what differs between the state and the cloud,
    /// without changing either ([`PreviewDigest::drift`]).
    pub fn drift(&self) -> Result<PreviewDigest, PulumiError> {
        self.digest(
            "refresh --preview-only",
            self.config_args(&["refresh", "--preview-only", "--json"]),
        )
    }

    fn digest(&self, command: &str, args: Vec<OsString>) -> Result<PreviewDigest, PulumiError> {
        let text = self
            .tool
            .run(&args, &self.settings.program_dir, &self.env())?;
        PreviewDigest::parse(&text).map_err(|source| PulumiError::Unreadable {
            command: command.to_owned(),
            source,
        })
    }

    /// `pulumi up --yes --json`: applies the program as `options` say, calling `on_progress`
    /// for every line worth showing as the engine streams its events.
    pub fn up(
        &self,
        options: &UpOptions,
        on_progress: impl FnMut(&ProgressLine),
    ) -> Result<UpSummary, PulumiError> {
        // Without `--skip-preview` Pulumi would print its own preview digest ahead of the event
        // stream; `deploy` previews (and compares a saved plan) before it runs `up`.
        let mut flags = vec!["up", "--yes", "--skip-preview", "--json"];
        if options.refresh {
            flags.push("--refresh");
        }
        let mut args = self.config_args(&flags);
        if let Some(plan) = &options.plan {
            args.push("--plan".into());
            args.push(plan.as_os_str().to_owned());
        }
        self.stream("up", &args, on_progress)
    }

    /// `pulumi destroy --yes --json`: deletes every resource of the stack.
    pub fn destroy(
        &self,
        on_progress: impl FnMut(&ProgressLine),
    ) -> Result<UpSummary, PulumiError> {
        self.stream(
            "destroy",
            &self.config_args(&["destroy", "--yes", "--skip-preview", "--json"]),
            on_progress,
        )
    }

    fn output_text(&self) -> Result<String, PulumiError> {
        let args = self.stack_args(&["stack", "output", "--json"]);
        Ok(self
            .tool
            .run(&args, &self.settings.program_dir, &self.env())?)
    }

    /// `pulumi stack output --json`: the outputs `deploy` needs after the update.
    pub fn outputs(&self) -> Result<StackOutputs, PulumiError> {
        StackOutputs::parse(&self.output_text()?).map_err(|source| PulumiError::Unreadable {
            command: "stack output".to_owned(),
            source,
        })
    }

    /// `pulumi stack output --json` of any program (the account bootstrap's), by name.
    pub fn output_values(
        &self,
    ) -> Result<std::collections::BTreeMap<String, serde_json::Value>, PulumiError> {
        serde_json::from_str(&self.output_text()?).map_err(|source| PulumiError::Unreadable {
            command: "stack output".to_owned(),
            source,
        })
    }

    fn stream(
        &self,
        command: &str,
        args: &[std::ffi::OsString],
        mut on_progress: impl FnMut(&ProgressLine),
    ) -> Result<UpSummary, PulumiError> {
        let mut progress = Progress::default();
        let mut unreadable = None;
        let run = self
            .tool
            .stream(args, &self.settings.program_dir, &self.env(), |line| {
                if line.trim().is_empty() || unreadable.is_some() {
                    return;
                }
                match serde_json::from_str::<EngineEvent>(line) {
                    Ok(event) => {
                        if let Some(shown) = progress.apply(&event) {
                            on_progress(&shown);
                        }
                    }
                    Err(source) => unreadable = Some(source),
                }
            });
        if let Some(source) = unreadable {
            return Err(PulumiError::Unreadable {
                command: command.to_owned(),
                source,
            });
        }
        let failed = !progress.failed.is_empty() || !progress.errors.is_empty();
        match run {
            Err(ToolError::Failed { .. }) | Ok(()) if failed => Err(PulumiError::UpdateFailed {
                command: command.to_owned(),
                details: progress
                    .failed
                    .iter()
                    .map(|op| format!("{op} failed"))
                    .chain(progress.errors.iter().cloned())
                    .collect(),
            }),
            Err(other) => Err(other.into()),
            Ok(()) => Ok(UpSummary { progress }),
        }
    }
}
