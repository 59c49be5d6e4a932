//! `deploy build [--release vX.Y.Z]`: the release directory and its manifest.

use std::fmt;

use code_remote_release::{BuildReport, BuildRequest, BuildTools, ReleaseVersion};

use crate::cloud::{repo_root, step_summary, Progress};
use crate::output::emit;

/// Flags of `deploy build`.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The release version (default `dev-<commit>`).
    #[arg(long)]
    pub release: Option<String>,
    /// Skip the frontend bundle.
    #[arg(long)]
    pub no_frontend: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

struct Shown(BuildReport);

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "release {} (commit {}) in {}",
            self.0.manifest.version,
            self.0.manifest.commit,
            self.0.dir.display()
        )?;
        for artifact in &self.0.manifest.artifacts {
            writeln!(
                f,
                "  {:64}  {:>10}  {}",
                artifact.sha256, artifact.size, artifact.name
            )?;
        }
        if !self.0.missing.is_empty() {
            writeln!(
                f,
                "not built (no binary target in the workspace yet): {}",
                self.0.missing.join(", ")
            )?;
        }
        Ok(())
    }
}

impl serde::Serialize for Shown {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Builds the release.
pub async fn run(args: BuildArgs) -> anyhow::Result<()> {
    let version = args
        .release
        .as_deref()
        .map(ReleaseVersion::parse)
        .transpose()?;
    let mut request = BuildRequest::all(repo_root()?, version);
    request.frontend = !args.no_frontend;
    let progress = Progress::new();
    let report = code_remote_release::build(&request, &BuildTools::default(), |step| {
        progress.show(code_remote_release::Event::Step(step))
    });
    progress.finish();
    let report = report?;
    step_summary(&format!(
        "### Release {}\n\n| artifact | sha256 | bytes |\n|---|---|---|\n{}",
        report.manifest.version,
        report
            .manifest
            .artifacts
            .iter()
            .map(|a| format!("| {} | `{}` | {} |", a.name, a.sha256, a.size))
            .collect::<Vec<_>>()
            .join("\n")
    ));
    emit(&Shown(report), args.json)
}
