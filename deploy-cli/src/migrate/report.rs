//! Small printable results of `deploy migrate` commands that the engine does not already shape.

use std::fmt;

use code_remote_migrations::history::heads;
use code_remote_migrations::migrator::RevisionSummary;
use code_remote_migrations::Revision;
use serde::Serialize;

/// A one-line result such as `current: 0004_executions`.
#[derive(Debug, Serialize)]
pub struct Line {
    key: &'static str,
    value: String,
}

impl Line {
    /// A `key: value` line.
    pub fn new(key: &'static str, value: String) -> Self {
        Self { key, value }
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.value)
    }
}

/// `history`: every revision, base first.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct HistoryList(pub Vec<RevisionSummary>);

impl fmt::Display for HistoryList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            let mark = if r.applied { "[x]" } else { "[ ]" };
            let parent = r.down_revision.as_deref().unwrap_or("base");
            if i > 0 {
                writeln!(f)?;
            }
            write!(
                f,
                "{mark} {parent} -> {}  {} ({})",
                r.id, r.description, r.file
            )?;
        }
        Ok(())
    }
}

/// `heads`: the revisions nothing builds on.
#[derive(Debug, Serialize)]
pub struct Heads {
    heads: Vec<String>,
}

impl Heads {
    /// The heads of a set of revisions.
    pub fn of(revisions: &[Revision]) -> Self {
        Self {
            heads: heads(revisions)
                .iter()
                .map(|r| format!("{} ({})", r.id, r.file))
                .collect(),
        }
    }
}

impl fmt::Display for Heads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.heads.join("\n"))?;
        if self.heads.len() > 1 {
            write!(
                f,
                "\nwarning: {} heads: the history forks; upgrade refuses it",
                self.heads.len()
            )?;
        }
        Ok(())
    }
}
