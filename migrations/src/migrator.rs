//! The database-agnostic runner. Every command that writes holds the backend's lock for its
//! whole run and releases it on every path, failures included.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::plan::{self, PlannedStep};
use crate::{AppliedRevision, Backend, Direction, Error, History, Plan, Revision, Target};

/// How long a command waits for another run's lock by default.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(60);

/// Runs commands of one history against one backend.
pub struct Migrator<B> {
    history: History,
    backend: B,
    lock_wait: Duration,
}

/// A revision as commands report it.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionSummary {
    /// The id.
    pub id: String,
    /// Its parent's id.
    pub down_revision: Option<String>,
    /// What it does.
    pub description: String,
    /// Its file.
    pub file: String,
    /// Whether the database has it applied.
    pub applied: bool,
}

/// The outcome of `upgrade`, `downgrade`, `stamp` or `repair`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// What was done.
    pub action: String,
    /// The revisions it touched, in order.
    pub revisions: Vec<String>,
    /// The current revision afterwards.
    pub current: Option<String>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.revisions.is_empty() {
            writeln!(f, "{}: nothing to do", self.action)?;
        }
        for id in &self.revisions {
            writeln!(f, "{} {id}", self.action)?;
        }
        write!(f, "current: {}", self.current.as_deref().unwrap_or("base"))
    }
}

/// The outcome of `status` (and `validate`, which fails instead of listing problems).
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The newest applied revision.
    pub current: Option<String>,
    /// The newest revision of this release.
    pub head: Option<String>,
    /// Revisions still to apply, in order.
    pub pending: Vec<RevisionSummary>,
    /// The version store's rows.
    pub applied: Vec<AppliedRevision>,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "current: {}", self.current.as_deref().unwrap_or("base"))?;
        writeln!(f, "head:    {}", self.head.as_deref().unwrap_or("base"))?;
        if self.pending.is_empty() {
            write!(f, "up to date")
        } else {
            write!(f, "pending: {}", self.pending.len())?;
            for r in &self.pending {
                write!(f, "\n  {} {} ({})", r.id, r.description, r.file)?;
            }
            Ok(())
        }
    }
}

impl<B: Backend> Migrator<B> {
    /// A runner for `history` on `backend`, waiting [`DEFAULT_LOCK_WAIT`] for the lock.
    pub fn new(history: History, backend: B) -> Self {
        Self {
            history,
            backend,
            lock_wait: DEFAULT_LOCK_WAIT,
        }
    }

    /// The backend, for what it reports beyond the plan (the Neo4j backend's skipped
    /// statements).
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Change how long to wait for another run's lock.
    pub fn with_lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// The history this runner applies.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The backend, e.g. to inspect the database in tests.
    pub fn backend_mut(&mut self) -> &mut B {
        &mut self.backend
    }

    /// Apply revisions up to `target` (default [`Target::Head`]).
    pub async fn upgrade(&mut self, target: &Target) -> Result<Report, Error> {
        self.backend.lock(self.lock_wait).await?;
        let result = self.move_to(target, Direction::Up).await;
        finish(result, self.backend.unlock().await)
    }

    /// Undo revisions down to `target` (`-1`, a revision id, or `base`).
    pub async fn downgrade(&mut self, target: &Target) -> Result<Report, Error> {
        self.backend.lock(self.lock_wait).await?;
        let result = self.move_to(target, Direction::Down).await;
        finish(result, self.backend.unlock().await)
    }

    async fn move_to(&mut self, target: &Target, direction: Direction) -> Result<Report, Error> {
        self.backend.ensure_store().await?;
        let applied = self.backend.applied().await?;
        let current = self.verify(&applied)?;
        let wanted = target.resolve(&self.history, current)?;
        let steps = plan::steps(&self.history, current, wanted, direction)?;
        let mut done = Vec::new();
        for revision in steps {
            match direction {
                Direction::Up => self.backend.apply(revision).await?,
                Direction::Down => self.backend.revert(revision).await?,
            }
            done.push(revision.id.to_string());
        }
        Ok(Report {
            action: match direction {
                Direction::Up => "applied".into(),
                Direction::Down => "reverted".into(),
            },
            revisions: done,
            current: self.label(wanted),
        })
    }

    /// What `upgrade` (or `downgrade`) to `target` would run, without changing the database:
    /// no lock, no version store created.
    pub async fn plan(&mut self, target: &Target, direction: Direction) -> Result<Plan, Error> {
        let applied = self.backend.applied().await?;
        let current = self.verify(&applied)?;
        let wanted = target.resolve(&self.history, current)?;
        let steps = plan::steps(&self.history, current, wanted, direction)?;
        Ok(Plan {
            preamble: self.backend.render_store(),
            steps: steps
                .into_iter()
                .map(|r| PlannedStep {
                    direction,
                    revision: r.id.to_string(),
                    file: r.file.clone(),
                    script: self.backend.render(r, direction),
                })
                .collect(),
        })
    }

    /// Current revision, head and pending revisions; fails like `validate` on an inconsistent store.
    pub async fn status(&mut self) -> Result<Status, Error> {
        let applied = self.backend.applied().await?;
        let current = self.verify(&applied)?;
        let start = current.map_or(0, |c| c + 1);
        Ok(Status {
            current: self.label(current),
            head: self.history.head().map(|r| r.id.to_string()),
            pending: self.history.revisions()[start..]
                .iter()
                .map(|r| summary(r, false))
                .collect(),
            applied,
        })
    }

    /// The newest applied revision (`None` = base), after validating the store.
    pub async fn current(&mut self) -> Result<Option<String>, Error> {
        Ok(self.status().await?.current)
    }

    /// Every revision of the history, base first, with whether it is applied.
    pub async fn history_with_state(&mut self) -> Result<Vec<RevisionSummary>, Error> {
        let applied = self.backend.applied().await?;
        Ok(self
            .history
            .revisions()
            .iter()
            .map(|r| summary(r, applied.iter().any(|a| a.id == r.id)))
            .collect())
    }

    /// Check the store against the files: known revisions, a prefix of the chain, checksums equal.
    pub async fn validate(&mut self) -> Result<Status, Error> {
        self.status().await
    }

    /// Make the store say exactly `target` is current, running nothing (adopting an existing schema).
    pub async fn stamp(&mut self, target: &Target) -> Result<Report, Error> {
        self.backend.lock(self.lock_wait).await?;
        let result = self.stamp_locked(target).await;
        finish(result, self.backend.unlock().await)
    }

    async fn stamp_locked(&mut self, target: &Target) -> Result<Report, Error> {
        self.backend.ensure_store().await?;
        let applied = self.backend.applied().await?;
        for row in &applied {
            if self.history.position(&row.id).is_none() {
                return Err(Error::UnknownAppliedRevision(row.id.to_string()));
            }
        }
        let current = applied
            .iter()
            .filter_map(|a| self.history.position(&a.id))
            .max();
        let wanted = target.resolve(&self.history, current)?;
        let keep = wanted.map_or(0, |w| w + 1);
        let mut touched = Vec::new();
        for (i, revision) in self.history.revisions().iter().enumerate() {
            let is_applied = applied.iter().any(|a| a.id == revision.id);
            if i < keep && !is_applied {
                self.backend.record(revision).await?;
                touched.push(format!("+{}", revision.id));
            } else if i >= keep && is_applied {
                self.backend.forget(&revision.id).await?;
                touched.push(format!("-{}", revision.id));
            }
        }
        Ok(Report {
            action: "stamped".into(),
            revisions: touched,
            current: self.label(wanted),
        })
    }

    /// Accept edited files (re-record checksums) and clear half-applied Neo4j revisions.
    pub async fn repair(&mut self) -> Result<Report, Error> {
        self.backend.lock(self.lock_wait).await?;
        let result = self.repair_locked().await;
        finish(result, self.backend.unlock().await)
    }

    async fn repair_locked(&mut self) -> Result<Report, Error> {
        self.backend.ensure_store().await?;
        let applied = self.backend.applied().await?;
        let mut touched = Vec::new();
        for row in &applied {
            let Some(position) = self.history.position(&row.id) else {
                return Err(Error::UnknownAppliedRevision(row.id.to_string()));
            };
            let revision = &self.history.revisions()[position];
            if !row.finished {
                self.backend.forget(&row.id).await?;
                touched.push(format!("cleared half-applied {}", row.id));
            } else if row.checksum != revision.checksum {
                self.backend
                    .set_checksum(&row.id, &revision.checksum)
                    .await?;
                touched.push(format!("accepted {} ({})", row.id, revision.file));
            }
        }
        let after = self.backend.applied().await?;
        let current = self.verify(&after)?;
        Ok(Report {
            action: "repaired".into(),
            revisions: touched,
            current: self.label(current),
        })
    }

    /// The position of the current revision, or the first reason the store cannot be trusted.
    fn verify(&self, applied: &[AppliedRevision]) -> Result<Option<usize>, Error> {
        let mut positions = Vec::with_capacity(applied.len());
        let mut edited = Vec::new();
        for row in applied {
            let position = self
                .history
                .position(&row.id)
                .ok_or_else(|| Error::UnknownAppliedRevision(row.id.to_string()))?;
            let revision = &self.history.revisions()[position];
            if !row.finished {
                return Err(Error::HalfApplied {
                    id: row.id.to_string(),
                    file: revision.file.clone(),
                });
            }
            if row.checksum != revision.checksum {
                edited.push(format!("{} (revision {})", revision.file, revision.id));
            }
            positions.push(position);
        }
        positions.sort_unstable();
        if positions.iter().enumerate().any(|(i, &p)| i != p) {
            return Err(Error::InconsistentHistory(format!(
                "{} rows recorded, not the first {} revisions",
                positions.len(),
                positions.len()
            )));
        }
        if !edited.is_empty() {
            return Err(Error::ChecksumMismatch { files: edited });
        }
        Ok(positions.len().checked_sub(1))
    }

    fn label(&self, position: Option<usize>) -> Option<String> {
        position.map(|p| self.history.revisions()[p].id.to_string())
    }
}

fn summary(r: &Revision, applied: bool) -> RevisionSummary {
    RevisionSummary {
        id: r.id.to_string(),
        down_revision: r.down_revision.as_ref().map(ToString::to_string),
        description: r.description.clone(),
        file: r.file.clone(),
        applied,
    }
}

/// The command's own error wins; an unlock failure is reported only if the command succeeded.
fn finish<T>(result: Result<T, Error>, unlocked: Result<(), Error>) -> Result<T, Error> {
    let value = result?;
    unlocked?;
    Ok(value)
}
