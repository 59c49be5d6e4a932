//! `deploy reap [--dry-run]`: destroys the review stacks (`pr-<N>`) whose time to live (their
//! `code-remote:reviewTtlHours`) has passed since their last deploy, and forgets them in the
//! Pulumi backend; a review stack that was created but never deployed is forgotten. Other stacks
//! are never touched; a review stack with an update in progress is left for the next run.

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
    /// Hours since its last deploy; none for a stack never deployed (nothing to destroy).
    pub idle_hours: Option<i64>,
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
            return writeln!(f, "no review stack is past its time to live");
        }
        for stack in &self.expired {
            let done = if self.dry_run {
                "would be destroyed"
            } else if self.destroyed.contains(&stack.stack) {
                "destroyed"
            } else {
                "not destroyed"
            };
            match stack.idle_hours {
                Some(hours) => writeln!(f, "{}: idle {hours} hours: {done}", stack.stack)?,
                None => writeln!(f, "{}: never deployed: {done}", stack.stack)?,
            }
        }
        for (stack, reason) in &self.failed {
            writeln!(f, "{stack}: {reason}")?;
        }
        Ok(())
    }
}

/// The review stacks of `stacks` idle longer than their time to live (`ttl_hours` of each) at
/// `now`, and those never deployed (no last update and no resources beyond the stack itself).
pub fn expired(
    stacks: &[StackSummary],
    now: DateTime<Utc>,
    ttl_hours: impl Fn(&str) -> u32,
) -> Vec<Expired> {
    stacks
        .iter()
        .filter(|stack| review::number(&stack.name).is_some())
        .filter_map(|stack| {
            let Some(last) = stack.last_update.as_deref() else {
                // No last update: one is running, or none ever finished.
                let empty = stack.resource_count.is_some_and(|count| count <= 1);
                return empty.then(|| Expired {
                    stack: stack.name.clone(),
                    idle_hours: None,
                });
            };
            let last = DateTime::parse_from_rfc3339(last).ok()?.with_timezone(&Utc);
            let idle = now - last;
            (idle > Duration::hours(ttl_hours(&stack.name).into())).then(|| Expired {
                stack: stack.name.clone(),
                idle_hours: Some(idle.num_hours()),
            })
        })
        .collect()
}

/// A review stack's time to live, from its settings (derived from dev's unless committed; read,
/// not written).
fn ttl_hours(root: &std::path::Path, stack: &str) -> u32 {
    StackName::parse(stack)
        .ok()
        .and_then(|name| cloud::settings(root, &name).ok())
        .and_then(|(path, text)| code_remote_infra::StackConfig::parse(stack, &text, &path).ok())
        .and_then(|config| config.review_ttl_hours)
        .unwrap_or(review::TTL_HOURS)
}

/// Destroys the expired review stacks.
pub async fn run(args: ReapArgs) -> anyhow::Result<()> {
    // Any stack's driver lists the project's stacks; dev's settings are always committed.
    let lister = cloud::context(&StackName::parse("dev")?, "current").await?;
    lister.pulumi.login().map_err(ReleaseError::from)?;
    let stacks = lister.pulumi.stacks().map_err(ReleaseError::from)?;
    let root = cloud::repo_root()?;
    let mut report = ReapReport {
        expired: expired(&stacks, Utc::now(), |stack| ttl_hours(&root, stack)),
        dry_run: args.dry_run,
        ..ReapReport::default()
    };
    if !args.dry_run {
        for stack in report.expired.clone() {
            match destroy(&stack.stack, stack.idle_hours.is_some()).await {
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

/// Destroys the stack's resources when it has any, then forgets it.
async fn destroy(stack: &str, deployed: bool) -> anyhow::Result<()> {
    let stack = StackName::parse(stack)?;
    let ctx = cloud::context(&stack, "current").await?;
    ctx.pulumi.login_and_select().map_err(ReleaseError::from)?;
    if deployed {
        let progress = Progress::new();
        let result = ctx
            .pulumi
            .destroy(|line| progress.show(Event::Pulumi(line)));
        progress.finish();
        result.map_err(ReleaseError::from)?;
    }
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
            StackSummary {
                resource_count: Some(1),
                ..stack("pr-11", None)
            },
            stack("pr-12", Some("2026-11-30T10:00:00.000Z")),
            // First update still running: its count is not known yet.
            StackSummary {
                resource_count: None,
                ..stack("pr-13", None)
            },
        ];
        let ttl = |stack: &str| if stack == "pr-12" { 1 } else { 72 };
        assert_eq!(
            expired(&stacks, now, ttl),
            [
                Expired {
                    stack: "pr-7".to_owned(),
                    idle_hours: Some(97)
                },
                Expired {
                    stack: "pr-11".to_owned(),
                    idle_hours: None
                },
                Expired {
                    stack: "pr-12".to_owned(),
                    idle_hours: Some(2)
                },
            ]
        );
    }
}
