//! The Pulumi CLI, driven for one stack of the infra program.

use std::path::PathBuf;

use serde::Serialize;

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
    /// Extra environment for every CLI run (e.g. `PULUMI_CONFIG_PASSPHRASE`, `AWS_PROFILE`).
    pub env: Vec<(String, String)>,
}

/// The outcome of an update, folded from its event stream.
#[derive(Debug, Clone, Serialize)]
pub struct UpSummary {
    /// Counts, failures and the engine's summary.
    pub progress: Progress,
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
            ),
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

    fn config_args<'a>(&'a self, args: &[&'a str]) -> Vec<std::ffi::OsString> {
        let mut all: Vec<std::ffi::OsString> =
            self.stack_args(args).into_iter().map(Into::into).collect();
        all.push("--config-file".into());
        all.push(self.settings.config_file.clone().into_os_string());
        all
    }

    /// Logs in to the configured backend (or checks the existing session) and selects the
    /// stack, creating it on first use.
    pub fn login_and_select(&self) -> Result<(), PulumiError> {
        self.check_installed()?;
        let dir = &self.settings.program_dir;
        let env = self.env();
        if let Some(backend) = &self.settings.backend {
            self.tool
                .run(&["login", backend.as_str(), "--non-interactive"], dir, &env)?;
        }
        match self.tool.run(&["whoami", "--non-interactive"], dir, &env) {
            Ok(_) => {}
            Err(ToolError::Failed { .. }) => return Err(PulumiError::NotLoggedIn),
            Err(other) => return Err(other.into()),
        }
        self.tool.run(
            &[
                "stack",
                "select",
                "--create",
                self.settings.stack.as_str(),
                "--non-interactive",
            ],
            dir,
            &env,
        )?;
        Ok(())
    }

    /// `pulumi preview --json`: the plan, parsed.
    pub fn preview(&self) -> Result<PreviewDigest, PulumiError> {
        let text = self.tool.run(
            &self.config_args(&["preview", "--json"]),
            &self.settings.program_dir,
            &self.env(),
        )?;
        PreviewDigest::parse(&text).map_err(|source| PulumiError::Unreadable {
            command: "preview".to_owned(),
            source,
        })
    }

    /// `pulumi up --yes --json`: applies the plan, calling `on_progress` for every line worth
    /// showing as the engine streams its events.
    pub fn up(&self, on_progress: impl FnMut(&ProgressLine)) -> Result<UpSummary, PulumiError> {
        self.stream(
            "up",
            &self.config_args(&["up", "--yes", "--skip-preview", "--json"]),
            on_progress,
        )
    }

    /// `pulumi refresh --yes --json`: reconciles the state with what exists in AWS.
    pub fn refresh(
        &self,
        on_progress: impl FnMut(&ProgressLine),
    ) -> Result<UpSummary, PulumiError> {
        self.stream(
            "refresh",
            &self.config_args(&["refresh", "--yes", "--skip-preview", "--json"]),
            on_progress,
        )
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

    /// `pulumi stack output --json`: the outputs `deploy` needs after the update.
    pub fn outputs(&self) -> Result<StackOutputs, PulumiError> {
        let args = self.stack_args(&["stack", "output", "--json"]);
        let text = self
            .tool
            .run(&args, &self.settings.program_dir, &self.env())?;
        StackOutputs::parse(&text).map_err(|source| PulumiError::Unreadable {
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
