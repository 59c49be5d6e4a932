//! What the cloud-stack subcommands share: finding the repository, building a stack's context
//! (Pulumi driver, AWS clients with checked credentials), progress on stderr (a spinner only on a
//! TTY), the `$GITHUB_STEP_SUMMARY` markdown, and the exit codes.
//!
//! Exit codes: 0 success; 1 any other failure; 2 bad usage (clap); 3 a check refused the command
//! (preview errors, promotion without a passing dev record, digest mismatch, stack locked, drift
//! without `--accept-drift`, a saved plan that no longer matches,
//! nothing to roll back to, prod without `--i-really-mean-prod`); 4 the deploy failed (Pulumi
//! update, migrations, smoke tests; aliases already moved back); 5 a tool or credentials are
//! missing (pulumi, cargo-lambda, npm, AWS credentials, Pulumi login).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use code_remote_infra::review;
use code_remote_pulumi::{ProgressLine, Pulumi, PulumiError, PulumiSettings, ToolError};
use code_remote_release::{
    default_actor, AwsClients, Event, ReleaseError, SmokeSettings, StackContext, StackName,
};

/// The flags every cloud-stack command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct StackFlags {
    /// The stack (`dev`, `prod`, ...): settings in `stacks/<stack>.yaml`.
    #[arg(long, env = "CODE_REMOTE_STACK")]
    pub stack: StackName,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// The repository root: `CODE_REMOTE_ROOT`, else the nearest directory above the working
/// directory holding `infra/Pulumi.yaml`.
pub fn repo_root() -> anyhow::Result<PathBuf> {
    if let Some(root) = std::env::var_os("CODE_REMOTE_ROOT") {
        return Ok(PathBuf::from(root));
    }
    let here = std::env::current_dir().context("reading the working directory")?;
    here.ancestors()
        .find(|dir| dir.join("infra/Pulumi.yaml").is_file())
        .map(PathBuf::from)
        .context("not inside the Code Remote repository (no infra/Pulumi.yaml above here); cd into it or set CODE_REMOTE_ROOT")
}

/// The variable naming the secrets provider of stacks created by `deploy` (the `awskms://` URL
/// `deploy bootstrap` printed for the environment's stack prefix).
pub const SECRETS_PROVIDER: &str = "CODE_REMOTE_SECRETS_PROVIDER";

/// A variable of the process environment, unset when empty.
pub fn variable(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

/// The settings of `stack` and where they stand: the committed `stacks/<stack>.yaml`, or for a
/// review stack (`pr-<N>`) without one, its settings derived from dev's, to be written under
/// `target/review-stacks/` ([`settings_file`] writes them).
pub fn settings(root: &Path, stack: &StackName) -> anyhow::Result<(PathBuf, String)> {
    let committed = root.join("stacks").join(format!("{stack}.yaml"));
    if committed.is_file() || review::number(stack.as_str()).is_none() {
        let text = std::fs::read_to_string(&committed).unwrap_or_default();
        return Ok((committed, text));
    }
    let dev = root.join("stacks/dev.yaml");
    let text = std::fs::read_to_string(&dev)
        .with_context(|| format!("reading {} to derive review stack {stack}", dev.display()))?;
    let derived = review::derive(stack.as_str(), &text)?;
    Ok((
        root.join("target/review-stacks")
            .join(format!("{stack}.yaml")),
        derived,
    ))
}

/// The settings file of `stack` ([`settings`]), a review stack's written when it changed.
pub fn settings_file(root: &Path, stack: &StackName) -> anyhow::Result<PathBuf> {
    let (path, text) = settings(root, stack)?;
    let unchanged = std::fs::read_to_string(&path).is_ok_and(|current| current == text);
    if !path.starts_with(root.join("stacks")) && !unchanged {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(path)
}

/// The context of one cloud stack for `release` (the infra program renders that release's zips);
/// a stack missing from the backend is refused ([`code_remote_pulumi::PulumiError::NoStack`]).
pub async fn context(stack: &StackName, release: &str) -> anyhow::Result<StackContext> {
    context_with(stack, release, false).await
}

/// [`context`] for the commands that deploy (`preview`, `up`): a review stack missing from the
/// backend is created there, with the environment's secrets provider. Every other stack is
/// created by the account's bootstrap, and no other command creates one.
pub async fn deploying_context(stack: &StackName, release: &str) -> anyhow::Result<StackContext> {
    context_with(stack, release, review::number(stack.as_str()).is_some()).await
}

async fn context_with(
    stack: &StackName,
    release: &str,
    create: bool,
) -> anyhow::Result<StackContext> {
    let root = repo_root()?;
    let committed = settings_file(&root, stack)?;
    if !committed.is_file() {
        return Err(
            ReleaseError::from(code_remote_pulumi::PulumiError::NoStackFile(committed)).into(),
        );
    }
    // Pulumi rewrites the config file it is given: it gets a working copy, never the committed
    // file, and the infra program reads that copy too.
    let work = root.join("target/pulumi-stacks");
    let config_file =
        code_remote_pulumi::working_copy(&committed, &work).map_err(ReleaseError::from)?;
    let settings = PulumiSettings {
        program_dir: root.join("infra"),
        config_file,
        stack: stack.to_string(),
        release: release.to_owned(),
        backend: variable("PULUMI_BACKEND_URL"),
        create,
        secrets_provider: variable(SECRETS_PROVIDER),
        env: vec![(
            "CODE_REMOTE_STACKS_DIR".to_owned(),
            work.display().to_string(),
        )],
    };
    let pulumi = Pulumi::new(settings);
    pulumi.check_installed().map_err(ReleaseError::from)?;
    let aws = AwsClients::from_env().await?;
    Ok(StackContext {
        stack: stack.clone(),
        aws,
        pulumi,
        actor: default_actor(),
        smoke: SmokeSettings::default(),
        lock_ttl: chrono::Duration::minutes(45),
        required_artifacts: Vec::new(),
    })
}

/// The artifacts beyond the functions that the stack's committed settings need (for `up` and
/// `promote`, which refuse a release without them).
pub fn required_artifacts(stack: &StackName) -> anyhow::Result<Vec<(String, String)>> {
    let file = settings_file(&repo_root()?, stack)?;
    let stacks = file.parent().context("a stack file has a directory")?;
    let config = code_remote_infra::StackConfig::load(stacks, stack.as_str())?;
    Ok(match config.embedder {
        code_remote_infra::config::EmbedderChoice::Minilm => vec![(
            code_remote_config::contract::embedding_model::LAYER_ARTIFACT.to_owned(),
            "code-remote:embedder: minilm".to_owned(),
        )],
        code_remote_infra::config::EmbedderChoice::Gemini => Vec::new(),
    })
}

/// Progress on stderr: a spinner at a terminal, plain lines otherwise (CI logs).
pub struct Progress {
    spinner: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// A spinner when stderr is a terminal.
    pub fn new() -> Self {
        let spinner = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Self { spinner }
    }

    /// Shows one event.
    pub fn show(&self, event: Event<'_>) {
        let line = match event {
            Event::Step(step) => format!("==> {step}"),
            Event::Done(step, detail) => format!("    {step}: {detail}"),
            Event::Pulumi(ProgressLine::Started(what)) => format!("    … {what}"),
            Event::Pulumi(ProgressLine::Finished(what)) => format!("    ✓ {what}"),
            Event::Pulumi(ProgressLine::Failed(what)) => format!("    ✗ {what}"),
            Event::Pulumi(ProgressLine::Message(text)) => format!("    {text}"),
        };
        match &self.spinner {
            Some(bar) => {
                bar.println(&line);
                bar.set_message(line.trim().to_owned());
            }
            None => eprintln!("{line}"),
        }
    }

    /// Removes the spinner.
    pub fn finish(&self) {
        if let Some(bar) = &self.spinner {
            bar.finish_and_clear();
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

/// Appends `markdown` to `$GITHUB_STEP_SUMMARY` when Actions set it.
pub fn step_summary(markdown: &str) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") else {
        return;
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| writeln!(file, "{markdown}"));
    if let Err(err) = written {
        eprintln!("warning: could not write the step summary: {err}");
    }
}

/// The exit code for an error, per the table in the module docs.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    let Some(release) = error
        .chain()
        .find_map(|cause| cause.downcast_ref::<ReleaseError>())
    else {
        return match error
            .chain()
            .find_map(|cause| cause.downcast_ref::<PulumiError>())
        {
            Some(pulumi) => pulumi_code(pulumi),
            None => 1,
        };
    };
    match release {
        ReleaseError::Tool(ToolError::Missing { .. }) | ReleaseError::NoCredentials(_) => 5,
        ReleaseError::Pulumi(pulumi) => pulumi_code(pulumi),
        ReleaseError::Invalid(_)
        | ReleaseError::DigestMismatch { .. }
        | ReleaseError::Locked { .. }
        | ReleaseError::PromotionRefused { .. }
        | ReleaseError::NoPreviousRelease(_)
        | ReleaseError::NoRelease(_)
        | ReleaseError::SecretUnset { .. }
        | ReleaseError::Drift { .. }
        | ReleaseError::PlanMismatch { .. }
        | ReleaseError::NoSavedPlan { .. }
        | ReleaseError::Cancelled => 3,
        ReleaseError::MigrationFailed(_)
        | ReleaseError::NotAMigrationResult(_)
        | ReleaseError::SmokeFailed(_)
        | ReleaseError::TrafficBack { .. }
        | ReleaseError::LockLost(_)
        | ReleaseError::TrafficStuck { .. }
        | ReleaseError::CodeMismatch { .. } => 4,
        _ => 1,
    }
}

fn pulumi_code(error: &PulumiError) -> u8 {
    match error {
        PulumiError::Tool(ToolError::Missing { .. }) | PulumiError::NotLoggedIn => 5,
        PulumiError::NoStackFile(_) | PulumiError::NoStack { .. } => 3,
        PulumiError::UpdateFailed { .. } => 4,
        _ => 1,
    }
}
