//! `deploy reap [--dry-run]`: destroys the review stacks (`pr-<N>`) whose time to live has passed
//! since their last deploy, and forgets them in the Pulumi backend. Other stacks are never
//! touched; a review stack with an update in progress is left for the next run.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use code_remote_infra::review;
use code_remote_pulumi::StackSummary;
use code_remote_release::{Event, ReleaseError, StackName};
use serde::Serialize;

use crate::cloud::{self, Progress};
use crate::output::emit;

/// Flags of `deploy reap`.
#[derive(Debug, clap::Args)]
pub struct ReapArgs {
    /// List what would be destroyed, destroy nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// A review stack past its time to live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expired {
    /// The stack.
    pub stack: String,
    /// Hours since its last deploy.
    pub idle_hours: i64,
}

/// What a reap did.
#[derive(Debug, Default, Serialize)]
pub struct ReapReport {
    /// Review stacks past their time to live.
    pub expired: Vec<Expired>,
    /// Those destroyed and removed.
    pub destroyed: Vec<String>,
    /// Those that could not be, and why.
    pub failed: Vec<(String, String)>,
    /// Whether nothing was destroyed on purpose.
    pub dry_run: bool,
}

impl fmt::Display for ReapReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.expired.is_empty() {
            return writeln!(f, "no review stack is past its {} hours", review::TTL_HOURS);
        }
        for stack in &self.expired {
            let done = if self.dry_run {
                "would be destroyed"
            } else if self.destroyed.contains(&stack.stack) {
                "destroyed"
            } else {
                "not destroyed"
            };
            writeln!(
                f,
                "{}: idle {} hours: {done}",
                stack.stack, stack.idle_hours
            )?;
        }
        for (stack, reason) in &self.failed {
            writeln!(f, "{stack}: {reason}")?;
        }
        Ok(())
    }
}

/// The review stacks of `stacks` idle longer than their time to live at `now`.
pub fn expired(stacks: &[StackSummary], now: DateTime<Utc>) -> Vec<Expired> {
    let ttl = Duration::hours(review::TTL_HOURS.into());
    stacks
        .iter()
        .filter(|stack| review::number(&stack.name).is_some())
        .filter_map(|stack| {
            let last = stack.last_update.as_deref()?;
            let last = DateTime::parse_from_rfc3339(last).ok()?.with_timezone(&Utc);
            let idle = now - last;
            (idle > ttl).then(|| Expired {
                stack: stack.name.clone(),
                idle_hours: idle.num_hours(),
            })
        })
        .collect()
}

/// Destroys the expired review stacks.
pub async fn run(args: ReapArgs) -> anyhow::Result<()> {
    // Any stack's driver lists the project's stacks; dev's settings are always committed.
    let lister = cloud::context(&StackName::parse("dev")?, "current").await?;
    lister.pulumi.login().map_err(ReleaseError::from)?;
    let stacks = lister.pulumi.stacks().map_err(ReleaseError::from)?;
    let mut report = ReapReport {
        expired: expired(&stacks, Utc::now()),
        dry_run: args.dry_run,
        ..ReapReport::default()
    };
    if !args.dry_run {
        for stack in report.expired.clone() {
            match destroy(&stack.stack).await {
                Ok(()) => report.destroyed.push(stack.stack),
                Err(err) => report.failed.push((stack.stack, format!("{err:#}"))),
            }
        }
    }
    emit(&report, args.json)?;
    match report.failed.first() {
        Some((stack, reason)) => anyhow::bail!("reaping {stack} failed: {reason}"),
        None => Ok(()),
    }
}

async fn destroy(stack: &str) -> anyhow::Result<()> {
    let stack = StackName::parse(stack)?;
    let ctx = cloud::context(&stack, "current").await?;
    ctx.pulumi.login_and_select().map_err(ReleaseError::from)?;
    let progress = Progress::new();
    let result = ctx
        .pulumi
        .destroy(|line| progress.show(Event::Pulumi(line)));
    progress.finish();
    result.map_err(ReleaseError::from)?;
    ctx.pulumi.remove_stack().map_err(ReleaseError::from)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(name: &str, last_update: Option<&str>) -> StackSummary {
        StackSummary {
            name: name.to_owned(),
            last_update: last_update.map(str::to_owned),
            resource_count: Some(90),
        }
    }

    #[test]
    fn only_review_stacks_idle_past_their_ttl_expire() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T12:00:00.000Z")
            .unwrap()
            .with_timezone(&Utc);
        let stacks = [
            stack("dev", Some("2026-01-01T00:00:00.000Z")),
            stack("prod", Some("2026-01-01T00:00:00.000Z")),
            stack("pr-7", Some("2026-11-26T11:00:00.000Z")),
            stack("pr-8", Some("2026-11-27T13:00:00.000Z")),
            stack("pr-9", None),
            stack("pr-10", Some("not a time")),
            stack("feature-x", Some("2026-01-01T00:00:00.000Z")),
        ];
        assert_eq!(
            expired(&stacks, now),
            [Expired {
                stack: "pr-7".to_owned(),
                idle_hours: 97
            }]
        );
    }
}
