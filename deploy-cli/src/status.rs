//! `deploy status --stack S`.

use std::fmt;

use code_remote_release::StatusReport;

use crate::cloud::{self, StackFlags};
use crate::output::emit;

/// Flags of `deploy status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Which stack, and JSON output.
    #[command(flatten)]
    pub target: StackFlags,
}

struct Shown(StatusReport);

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = &self.0;
        for (function, status) in &report.functions {
            let release = status
                .release
                .as_ref()
                .map_or_else(|| "unknown release".to_owned(), ToString::to_string);
            writeln!(
                f,
                "{function:12} live version {:6} {release}",
                status.live_version
            )?;
        }
        let release_heads = report
            .release_heads
            .as_ref()
            .map_or_else(|| "no record".to_owned(), |r| r.summary());
        writeln!(f, "migrations of the live release: {release_heads}")?;
        match &report.database_heads {
            Ok(heads) => writeln!(f, "databases now: {}", heads.summary())?,
            Err(err) => writeln!(f, "databases now: unknown ({err})")?,
        }
        let health = if report.health.passed {
            "healthy".to_owned()
        } else {
            report.health.failures()
        };
        writeln!(f, "health: {health}")?;
        for (secret, state) in &report.secrets {
            let state = match state {
                Ok(true) => "set".to_owned(),
                Ok(false) => "NOT SET (see docs/runbook.md)".to_owned(),
                Err(err) => format!("unknown ({err})"),
            };
            writeln!(f, "secret {secret}: {state}")?;
        }
        if let Some(last) = &report.last {
            writeln!(
                f,
                "last: {:?} of {} by {} at {} ({:?})",
                last.kind, last.release, last.actor, last.finished_at, last.outcome
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

/// Prints the stack's status.
pub async fn run(args: StatusArgs) -> anyhow::Result<()> {
    let stack = &args.target.stack;
    let ctx = cloud::context(stack, "current").await?;
    emit(
        &Shown(code_remote_release::status(&ctx).await?),
        args.target.json,
    )
}
