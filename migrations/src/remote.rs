//! The migrate Lambda's wire contract, shared by the Lambda (`runtime/migrate`) and the `deploy`
//! tool (`code-remote-release`), so the two cannot drift apart.
//!
//! Request (JSON): `{"command": "upgrade", "target": "head", "databases": ["postgres", "neo4j"],
//! "release": "v1.2.3"}`. `command` (also accepted as `action`) is one of `upgrade`, `status`,
//! `downgrade`, `stamp`, `validate`, `repair`, `history`; `target` is what `upgrade` (default
//! `head`), `downgrade` and `stamp` (both required) move to; `databases` defaults to both, run in
//! that order; `release` only labels the Lambda's log.
//!
//! Result (JSON): `{"status": "ok"|"failed", "databases": [{"database", "applied", "head",
//! "error"?}]}`, one entry per database that ran, in order. `head` is the revision the database is
//! at after the call (null: nothing applied). `applied` lists what the call changed: revisions
//! applied (`upgrade`, also those applied before a failure), reverted (`downgrade`), `+id`/`-id`
//! rows (`stamp`), or the repairs made (`repair`); it is empty for the read-only commands.
//! `error` carries the engine's message; for a failed statement that is the file, the
//! statement's position and text, and the database's error.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What the migrate Lambda is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MigrateCommand {
    /// Apply revisions up to the target (default head).
    Upgrade,
    /// Report the current revision; changes nothing.
    Status,
    /// Undo revisions down to the target.
    Downgrade,
    /// Record the target as current without running anything.
    Stamp,
    /// Check the applied revisions against the files; changes nothing.
    Validate,
    /// Accept edited files and clear half-applied Neo4j revisions.
    Repair,
    /// Report the current revision (the client lists its revisions around it); changes nothing.
    History,
}

impl MigrateCommand {
    /// The command's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upgrade => "upgrade",
            Self::Status => "status",
            Self::Downgrade => "downgrade",
            Self::Stamp => "stamp",
            Self::Validate => "validate",
            Self::Repair => "repair",
            Self::History => "history",
        }
    }
}

impl fmt::Display for MigrateCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A database the migrate Lambda can migrate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Database {
    /// The stack's PostgreSQL.
    Postgres,
    /// The stack's Neo4j, when it has one.
    Neo4j,
}

impl Database {
    /// Both databases, PostgreSQL first (expand), then Neo4j.
    pub fn all() -> Vec<Self> {
        vec![Self::Postgres, Self::Neo4j]
    }

    /// The database's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Neo4j => "neo4j",
        }
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The request `deploy` sends the migrate Lambda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrateRequest {
    /// What to do.
    #[serde(alias = "action")]
    pub command: MigrateCommand,
    /// `head`, `base`, `-N`, `+N` or a revision id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The databases, in the order to run them (default: PostgreSQL, then Neo4j).
    #[serde(default = "Database::all")]
    pub databases: Vec<Database>,
    /// The release whose migrations these are, for the Lambda's log.
    #[serde(default)]
    pub release: String,
}

impl MigrateRequest {
    /// `command` on both databases, to the default target.
    pub fn new(command: MigrateCommand, release: impl Into<String>) -> Self {
        Self {
            command,
            target: None,
            databases: Database::all(),
            release: release.into(),
        }
    }
}

/// Whether the migrations succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MigrateStatus {
    /// Every database did what was asked.
    Ok,
    /// A command failed; the databases say which.
    Failed,
}

/// One database's part of the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseResult {
    /// `postgres` or `neo4j`.
    pub database: String,
    /// What this call changed, in order (revisions applied, for `upgrade`).
    pub applied: Vec<String>,
    /// The revision the database is at now (none for an empty history).
    pub head: Option<String>,
    /// Why it failed, when it did.
    #[serde(default)]
    pub error: Option<String>,
}

/// The migrate Lambda's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrateResult {
    /// Overall status.
    pub status: MigrateStatus,
    /// Per database, in the order they ran.
    pub databases: Vec<DatabaseResult>,
}

impl MigrateResult {
    /// One line per database: `postgres at 0005 (applied 0004, 0005)`.
    pub fn summary(&self) -> String {
        self.databases
            .iter()
            .map(|db| {
                let head = db.head.as_deref().unwrap_or("empty");
                let applied = if db.applied.is_empty() {
                    "nothing to apply".to_owned()
                } else {
                    format!("applied {}", db.applied.join(", "))
                };
                match &db.error {
                    Some(error) => format!("{} at {head}: {error}", db.database),
                    None => format!("{} at {head} ({applied})", db.database),
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The entry of `database`, if it ran.
    pub fn database(&self, database: Database) -> Option<&DatabaseResult> {
        self.databases
            .iter()
            .find(|db| db.database == database.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_default_to_both_databases_and_accept_action() {
        let request: MigrateRequest =
            serde_json::from_str(r#"{"action":"downgrade","target":"-1"}"#).unwrap();
        assert_eq!(request.command, MigrateCommand::Downgrade);
        assert_eq!(request.target.as_deref(), Some("-1"));
        assert_eq!(request.databases, Database::all());
        let sent =
            serde_json::to_value(MigrateRequest::new(MigrateCommand::Upgrade, "v1")).unwrap();
        assert_eq!(
            sent,
            serde_json::json!({"command":"upgrade","databases":["postgres","neo4j"],"release":"v1"})
        );
        assert!(serde_json::from_str::<MigrateRequest>(r#"{"command":"drop"}"#).is_err());
    }
}
