//! `pulumi preview --json`: the `PreviewDigest` document (Pulumi's `pkg/display` package), and the
//! readable diff table `deploy preview` prints from it. `pulumi refresh --preview-only --json`
//! prints the same document; there a step says what changed outside Pulumi ([`PreviewDigest::drift`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The whole plan of one preview, as `pulumi preview --json` prints it (one indented JSON object).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewDigest {
    /// Configuration used by the preview; secrets are blinded by Pulumi.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// One step per resource the engine visited.
    #[serde(default)]
    pub steps: Vec<PreviewStep>,
    /// Warnings and errors (ephemeral and debug messages are not included by Pulumi).
    #[serde(default)]
    pub diagnostics: Vec<PreviewDiagnostic>,
    /// How long the preview took, in nanoseconds (Go's `time.Duration`).
    #[serde(default)]
    pub duration: u64,
    /// Count of resources per operation (`create`, `update`, `same`, ...).
    #[serde(default)]
    pub change_summary: BTreeMap<String, u64>,
    /// Whether a resource may be corrupt after an earlier failed update.
    #[serde(default)]
    pub maybe_corrupt: bool,
}

/// One resource's planned operation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewStep {
    /// `same`, `create`, `update`, `delete`, `replace`, `create-replacement`, `read`, ...
    pub op: String,
    /// The resource's URN: `urn:pulumi:<stack>::<project>::<type>::<name>`.
    pub urn: String,
    /// The provider reference, when Pulumi printed one.
    #[serde(default)]
    pub provider: Option<String>,
    /// Properties whose change causes an update.
    #[serde(default)]
    pub diff_reasons: Vec<String>,
    /// Properties whose change forces a replacement.
    #[serde(default)]
    pub replace_reasons: Vec<String>,
    /// The resource as the state holds it (in a refresh: before reading the cloud). Read, never
    /// written back: a saved preview keeps no resource state.
    #[serde(default, skip_serializing)]
    pub old_state: Option<serde_json::Value>,
    /// The resource as it will be (in a refresh: as read from the cloud).
    #[serde(default, skip_serializing)]
    pub new_state: Option<serde_json::Value>,
}

/// What a refresh preview found changed outside Pulumi.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// The drifted resources the output names, with the properties that differ.
    pub resources: Vec<DiffRow>,
    /// Drifted resources counted in the change summary but not named in the steps (Pulumi
    /// versions that list a refresh's steps before reading the cloud).
    pub unnamed: u64,
}

impl Drift {
    /// Whether nothing was changed outside Pulumi.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.unnamed == 0
    }

    /// How many resources drifted.
    pub fn len(&self) -> u64 {
        self.resources.len() as u64 + self.unnamed
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.resources.is_empty() {
            write_table(f, &self.resources)?;
        }
        if self.unnamed > 0 {
            writeln!(
                f,
                "{} more changed outside Pulumi that its output does not name: `pulumi refresh --preview-only --diff` shows them",
                self.unnamed
            )?;
        }
        Ok(())
    }
}

impl PreviewStep {
    /// In a refresh preview, whether the cloud differs from the state: Pulumi reports it as an
    /// `update` (properties changed) or a `delete` (the resource is gone). A provider without a
    /// detailed diff leaves the step a `refresh`, so the states are compared too.
    fn drifted(&self) -> bool {
        match self.op.as_str() {
            "update" | "delete" => true,
            "refresh" => match (&self.old_state, &self.new_state) {
                (Some(old), Some(new)) => old.get("outputs") != new.get("outputs"),
                _ => false,
            },
            _ => false,
        }
    }
}

/// A diagnostic message of the preview.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewDiagnostic {
    /// The resource it is about, if any.
    #[serde(default)]
    pub urn: Option<String>,
    /// The message, colours removed.
    pub message: String,
    /// `info`, `info#err`, `warning` or `error`.
    pub severity: String,
}

/// One line of the diff table: what happens to which resource and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffRow {
    /// The operation (`create`, `update`, `replace`, `delete`, ...).
    pub op: String,
    /// The resource type token, e.g. `aws:lambda/function:Function`.
    pub kind: String,
    /// The resource's logical name.
    pub name: String,
    /// The properties that cause it, comma-separated (replacement reasons first).
    pub reasons: String,
}

impl PreviewDigest {
    /// Parses the document `pulumi preview --json` prints.
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The steps that change something (everything but `same` and the stack itself), as rows,
    /// replacements and deletions first because those are the ones to read twice.
    pub fn changes(&self) -> Vec<DiffRow> {
        let mut rows: Vec<DiffRow> = self
            .steps
            .iter()
            // A `preview --refresh` lists the refresh of every resource before its change.
            .filter(|step| !matches!(step.op.as_str(), "same" | "read" | "refresh"))
            .filter_map(|step| {
                let (kind, name) = split_urn(&step.urn)?;
                if kind == "pulumi:pulumi:Stack" {
                    return None;
                }
                let reasons = step
                    .replace_reasons
                    .iter()
                    .chain(
                        step.diff_reasons
                            .iter()
                            .filter(|reason| !step.replace_reasons.contains(reason)),
                    )
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ");
                Some(DiffRow {
                    op: step.op.clone(),
                    kind: kind.to_owned(),
                    name: name.to_owned(),
                    reasons,
                })
            })
            .collect();
        rows.sort_by_key(|row| (op_rank(&row.op), row.kind.clone(), row.name.clone()));
        rows
    }

    /// In a refresh preview: the resources changed (`update`) or deleted (`delete`) outside
    /// Pulumi since the state was written, with the properties that differ. The change summary
    /// counts them too, named or not: what it counts beyond the named ones is `unnamed`, so
    /// drift is never missed for want of detail.
    pub fn drift(&self) -> Drift {
        let mut rows: Vec<DiffRow> = self
            .steps
            .iter()
            .filter(|step| step.drifted())
            .filter_map(|step| {
                let (kind, name) = split_urn(&step.urn)?;
                (kind != "pulumi:pulumi:Stack").then(|| DiffRow {
                    op: if step.op == "delete" {
                        "deleted"
                    } else {
                        "changed"
                    }
                    .to_owned(),
                    kind: kind.to_owned(),
                    name: name.to_owned(),
                    reasons: step.diff_reasons.join(", "),
                })
            })
            .collect();
        rows.sort_by(|a, b| (&a.op, &a.kind, &a.name).cmp(&(&b.op, &b.kind, &b.name)));
        let counted: u64 = self
            .change_summary
            .iter()
            .filter(|(op, _)| !matches!(op.as_str(), "same" | "refresh" | "read"))
            .map(|(_, count)| count)
            .sum();
        Drift {
            unnamed: counted.saturating_sub(rows.len() as u64),
            resources: rows,
        }
    }

    /// Whether the plan changes anything at all.
    pub fn has_changes(&self) -> bool {
        self.change_summary
            .iter()
            .any(|(op, count)| op != "same" && *count > 0)
    }

    /// The error diagnostics: a preview that has any failed.
    pub fn errors(&self) -> impl Iterator<Item = &PreviewDiagnostic> {
        self.diagnostics
            .iter()
            .filter(|diag| diag.severity == "error")
    }
}

fn op_rank(op: &str) -> u8 {
    match op {
        "replace" | "create-replacement" | "delete-replaced" => 0,
        "delete" => 1,
        "update" => 2,
        "create" => 3,
        _ => 4,
    }
}

/// Splits `urn:pulumi:<stack>::<project>::<type>::<name>` into its type and name.
pub(crate) fn split_urn(urn: &str) -> Option<(&str, &str)> {
    let mut parts = urn.splitn(4, "::");
    let _stack = parts.next()?;
    let _project = parts.next()?;
    let kind = parts.next()?;
    let name = parts.next()?;
    // A parented resource's type is `parentType$type`; the last one is the resource's own.
    Some((kind.rsplit('$').next().unwrap_or(kind), name))
}

/// The rows as an aligned table: operation, type, name and why.
pub fn write_table(f: &mut impl fmt::Write, rows: &[DiffRow]) -> fmt::Result {
    let width = |column: fn(&DiffRow) -> &str, header: &str| {
        rows.iter()
            .map(|row| column(row).len())
            .max()
            .unwrap_or(0)
            .max(header.len())
    };
    let op_width = width(|row| &row.op, "op");
    let kind_width = width(|row| &row.kind, "type");
    let name_width = width(|row| &row.name, "name");
    writeln!(
        f,
        "{:op_width$}  {:kind_width$}  {:name_width$}  because of",
        "op", "type", "name"
    )?;
    for row in rows {
        writeln!(
            f,
            "{:op_width$}  {:kind_width$}  {:name_width$}  {}",
            row.op, row.kind, row.name, row.reasons
        )?;
    }
    Ok(())
}

impl fmt::Display for PreviewDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows = self.changes();
        if rows.is_empty() {
            writeln!(f, "no infrastructure changes")?;
        } else {
            write_table(f, &rows)?;
        }
        let summary = self
            .change_summary
            .iter()
            .map(|(op, count)| format!("{count} {op}"))
            .collect::<Vec<_>>()
            .join(", ");
        if !summary.is_empty() {
            writeln!(f, "resources: {summary}")?;
        }
        for diag in self
            .diagnostics
            .iter()
            .filter(|diag| diag.severity == "error" || diag.severity == "warning")
        {
            writeln!(f, "{}: {}", diag.severity, diag.message.trim())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parented_types_keep_only_the_resource_type() {
        let urn = "urn:pulumi:dev::code-remote::my:component$aws:s3/bucketV2:BucketV2::logs";
        assert_eq!(split_urn(urn), Some(("aws:s3/bucketV2:BucketV2", "logs")));
        assert_eq!(split_urn("not-a-urn"), None);
    }
}
