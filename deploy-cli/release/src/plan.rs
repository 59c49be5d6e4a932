//! The plan that was approved is the plan that runs: `deploy preview --save-plan` keeps, beside
//! the release's artifacts, Pulumi's own update plan and the preview it came from; `deploy up
//! --plan` previews again, refuses when the change is not the approved one, and lets Pulumi hold
//! the update to the plan (`pulumi up --plan`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use code_remote_pulumi::{DiffRow, PreviewDigest};

use crate::error::ReleaseError;
use crate::names::StackName;

/// A saved plan of one release for one stack.
#[derive(Debug, Clone)]
pub struct SavedPlan {
    /// Pulumi's update plan (`pulumi preview --save-plan`), given to `pulumi up --plan`.
    pub pulumi_plan: PathBuf,
    /// The preview that was approved.
    pub preview: PreviewDigest,
}

/// Where the plans of `stack` are kept in a release directory.
fn plan_dir(release_dir: &Path, stack: &StackName) -> PathBuf {
    release_dir.join("plans").join(stack.as_str())
}

/// Pulumi's plan file for `stack` in `release_dir` (the directory is created).
pub fn pulumi_plan_path(release_dir: &Path, stack: &StackName) -> Result<PathBuf, ReleaseError> {
    let dir = plan_dir(release_dir, stack);
    std::fs::create_dir_all(&dir).map_err(ReleaseError::io(&dir))?;
    Ok(dir.join("pulumi-plan.json"))
}

impl SavedPlan {
    /// Records `preview` as the approved change beside Pulumi's plan (already written there by
    /// `pulumi preview --save-plan`).
    pub fn save(
        release_dir: &Path,
        stack: &StackName,
        preview: &PreviewDigest,
    ) -> Result<Self, ReleaseError> {
        let pulumi_plan = pulumi_plan_path(release_dir, stack)?;
        let path = plan_dir(release_dir, stack).join("preview.json");
        let text = serde_json::to_string_pretty(preview)
            .map_err(|err| ReleaseError::Invalid(format!("the preview cannot be saved: {err}")))?;
        std::fs::write(&path, text).map_err(ReleaseError::io(&path))?;
        Ok(Self {
            pulumi_plan,
            preview: preview.clone(),
        })
    }

    /// The plan saved for `stack` in `release_dir`.
    pub fn load(release_dir: &Path, stack: &StackName) -> Result<Self, ReleaseError> {
        let dir = plan_dir(release_dir, stack);
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
        let preview = PreviewDigest::parse(&text).map_err(|err| {
            ReleaseError::Invalid(format!(
                "{} is not a preview: {err}",
                preview_path.display()
            ))
        })?;
        Ok(Self {
            pulumi_plan,
            preview,
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

fn describe(row: &DiffRow) -> String {
    let because = if row.reasons.is_empty() {
        String::new()
    } else {
        format!(" ({})", row.reasons)
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
        let saved = SavedPlan::save(dir.path(), &stack, &approved).unwrap();
        std::fs::write(&saved.pulumi_plan, "{}").unwrap();
        let loaded = SavedPlan::load(dir.path(), &stack).unwrap();
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
    fn a_missing_plan_says_how_to_save_one() {
        let dir = tempfile::tempdir().unwrap();
        let stack = StackName::parse("prod").unwrap();
        let err = SavedPlan::load(dir.path(), &stack).unwrap_err();
        assert!(matches!(err, ReleaseError::NoSavedPlan { .. }), "{err}");
        assert!(err.to_string().contains("--save-plan"), "{err}");
    }
}
