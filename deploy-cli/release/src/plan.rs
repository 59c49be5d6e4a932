//! The plan that was approved is the plan that runs: `deploy preview --save-plan` keeps, under
//! `target/release-plans/<release>/<stack>/` (apart from the release's artifacts, which a
//! promotion may download again), Pulumi's own update plan and the preview it came from; `deploy
//! up --plan` previews again, refuses when the change is not the approved one, and lets Pulumi
//! hold the update to the plan (`pulumi up --plan`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use code_remote_pulumi::{DiffRow, PreviewDigest};
use serde::{Deserialize, Serialize};

use crate::error::ReleaseError;
use crate::names::{ReleaseVersion, StackName};

/// A saved plan of one release for one stack.
#[derive(Debug, Clone)]
pub struct SavedPlan {
    /// Pulumi's update plan (`pulumi preview --save-plan`), given to `pulumi up --plan`.
    pub pulumi_plan: PathBuf,
    /// The preview that was approved.
    pub preview: PreviewDigest,
    /// Whether the plan was made after reading the cloud (`preview --refresh`): only such a
    /// plan can put back what was changed outside Pulumi (`up --accept-drift`).
    pub refreshed: bool,
}

/// What `preview.json` holds.
#[derive(Serialize, Deserialize)]
struct Approved {
    refreshed: bool,
    preview: PreviewDigest,
}

/// The directory of `release`'s saved plans in a workspace.
pub fn plans_dir(workspace: &Path, release: &ReleaseVersion) -> PathBuf {
    workspace
        .join("target/release-plans")
        .join(release.as_str())
}

fn stack_dir(plans: &Path, stack: &StackName) -> PathBuf {
    plans.join(stack.as_str())
}

/// Pulumi's plan file for `stack` under `plans` (the directory is created).
pub fn pulumi_plan_path(plans: &Path, stack: &StackName) -> Result<PathBuf, ReleaseError> {
    let dir = stack_dir(plans, stack);
    std::fs::create_dir_all(&dir).map_err(ReleaseError::io(&dir))?;
    Ok(dir.join("pulumi-plan.json"))
}

impl SavedPlan {
    /// Records `preview` as the approved change beside Pulumi's plan (already written there by
    /// `pulumi preview --save-plan`).
    pub fn save(
        plans: &Path,
        stack: &StackName,
        preview: &PreviewDigest,
        refreshed: bool,
    ) -> Result<Self, ReleaseError> {
        let pulumi_plan = pulumi_plan_path(plans, stack)?;
        let path = stack_dir(plans, stack).join("preview.json");
        let approved = Approved {
            refreshed,
            preview: preview.clone(),
        };
        let text = serde_json::to_string_pretty(&approved)
            .map_err(|err| ReleaseError::Invalid(format!("the preview cannot be saved: {err}")))?;
        std::fs::write(&path, text).map_err(ReleaseError::io(&path))?;
        Ok(Self {
            pulumi_plan,
            preview: approved.preview,
            refreshed,
        })
    }

    /// The plan saved for `stack` under `plans`.
    pub fn load(plans: &Path, stack: &StackName) -> Result<Self, ReleaseError> {
        let dir = stack_dir(plans, stack);
        let pulumi_plan = dir.join("pulumi-plan.json");
        let preview_path = dir.join("preview.json");
        if !pulumi_plan.is_file() || !preview_path.is_file() {
            return Err(ReleaseError::NoSavedPlan {
                stack: stack.to_string(),
                dir: dir.display().to_string(),
            });
        }
        let text =
            std::fs::read_to_string(&preview_path).map_err(ReleaseError::io(&preview_path))?;
        let approved: Approved = serde_json::from_str(&text).map_err(|err| {
            ReleaseError::Invalid(format!(
                "{} is not a saved preview: {err}",
                preview_path.display()
            ))
        })?;
        Ok(Self {
            pulumi_plan,
            preview: approved.preview,
            refreshed: approved.refreshed,
        })
    }

    /// How the change `fresh` would make differs from the approved one; empty when it is the
    /// same change (the same operations on the same resources for the same reasons).
    pub fn differences(&self, fresh: &PreviewDigest) -> Vec<String> {
        let approved = rows(&self.preview);
        let now = rows(fresh);
        let added = now
            .difference(&approved)
            .map(|row| format!("now also: {row}"));
        let dropped = approved
            .difference(&now)
            .map(|row| format!("no longer: {row}"));
        added.chain(dropped).collect()
    }
}

fn rows(preview: &PreviewDigest) -> BTreeSet<String> {
    preview.changes().iter().map(describe).collect()
}

/// One change in words, its reasons sorted (Pulumi does not promise their order).
fn describe(row: &DiffRow) -> String {
    let mut reasons: Vec<&str> = row
        .reasons
        .split(", ")
        .filter(|reason| !reason.is_empty())
        .collect();
    reasons.sort_unstable();
    let because = if reasons.is_empty() {
        String::new()
    } else {
        format!(" ({})", reasons.join(", "))
    };
    format!("{} {} {}{because}", row.op, row.kind, row.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(steps: &[(&str, &str, &[&str])]) -> PreviewDigest {
        let steps: Vec<serde_json::Value> = steps
            .iter()
            .map(|(op, name, reasons)| {
                serde_json::json!({
                    "op": op,
                    "urn": format!("urn:pulumi:dev::code-remote::aws:lambda/function:Function::{name}"),
                    "diffReasons": reasons,
                })
            })
            .collect();
        PreviewDigest::parse(&serde_json::json!({ "steps": steps }).to_string()).unwrap()
    }

    #[test]
    fn the_same_change_holds_and_any_other_change_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let stack = StackName::parse("dev").unwrap();
        let approved = digest(&[("update", "api", &["code"]), ("same", "worker", &[])]);
        let saved = SavedPlan::save(dir.path(), &stack, &approved, false).unwrap();
        std::fs::write(&saved.pulumi_plan, "{}").unwrap();
        let loaded = SavedPlan::load(dir.path(), &stack).unwrap();
        assert!(!loaded.refreshed);
        assert!(loaded.differences(&approved).is_empty());

        let now = digest(&[
            ("update", "api", &["code", "memorySize"]),
            ("delete", "worker", &[]),
        ]);
        assert_eq!(
            loaded.differences(&now),
            vec![
                "now also: delete aws:lambda/function:Function worker",
                "now also: update aws:lambda/function:Function api (code, memorySize)",
                "no longer: update aws:lambda/function:Function api (code)",
            ]
        );
    }

    #[test]
    fn reasons_in_another_order_are_the_same_change() {
        let dir = tempfile::tempdir().unwrap();
        let stack = StackName::parse("dev").unwrap();
        let approved = digest(&[("update", "api", &["memorySize", "code"])]);
        let saved = SavedPlan::save(dir.path(), &stack, &approved, true).unwrap();
        let reordered = digest(&[("update", "api", &["code", "memorySize"])]);
        assert!(saved.differences(&reordered).is_empty());
        assert!(saved.refreshed);
    }

    #[test]
    fn a_missing_plan_says_how_to_save_one() {
        let dir = tempfile::tempdir().unwrap();
        let stack = StackName::parse("prod").unwrap();
        let err = SavedPlan::load(dir.path(), &stack).unwrap_err();
        assert!(matches!(err, ReleaseError::NoSavedPlan { .. }), "{err}");
        assert!(err.to_string().contains("--save-plan"), "{err}");
    }
}
