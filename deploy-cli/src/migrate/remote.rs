//! `deploy migrate <cmd> --stack S` for cloud stacks: the same command, sent to the stack's
//! migrate Lambda through its `live` alias (the database is only reachable from inside the
//! stack's network), and the Lambda's result printed. The revisions the Lambda runs are the ones
//! compiled into the live release; `status` and `history` compare the database's head with the
//! revisions this `deploy` binary carries, to list what is pending (`deploy preview` compares
//! with the revisions of the release it previews, from its manifest).

use std::fmt;

use std::collections::BTreeMap;

use anyhow::bail;
use code_remote_release::{
    Database as RemoteDatabase, MigrateCommand, MigrateRequest, MigrateResult, MigrateStatus,
    StackName, LIVE,
};
use serde::Serialize;

use super::{Action, Database, MigrateArgs};
use crate::cloud;
use crate::output::emit;

/// One database's pending revisions: those a release carries after the database's head.
#[derive(Debug, Clone, Serialize)]
pub struct Pending {
    /// `postgres` or `neo4j`.
    pub database: String,
    /// The database's revision (none: nothing applied).
    pub head: Option<String>,
    /// Revision ids still to apply, in order; empty when `known` is false.
    pub pending: Vec<String>,
    /// False when the head is not a revision the release carries (a newer release applied it).
    pub known: bool,
}

impl fmt::Display for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = self.head.as_deref().unwrap_or("base");
        if !self.known {
            write!(
                f,
                "{} at {head}, a revision this release does not carry (applied by a newer release?)",
                self.database
            )
        } else if self.pending.is_empty() {
            write!(f, "{} at {head}: up to date", self.database)
        } else {
            write!(
                f,
                "{} at {head}: {} pending ({})",
                self.database,
                self.pending.len(),
                self.pending.join(", ")
            )
        }
    }
}

/// The pending revisions of each database in a `status` result, against `carried`: the revisions
/// per database of the release that would run them.
pub fn pending(result: &MigrateResult, carried: &BTreeMap<String, Vec<String>>) -> Vec<Pending> {
    result
        .databases
        .iter()
        .filter(|db| db.error.is_none())
        .filter_map(|db| {
            let ids = carried.get(&db.database)?;
            let start = match &db.head {
                None => Some(0),
                Some(head) => ids.iter().position(|id| id == head).map(|p| p + 1),
            };
            Some(Pending {
                database: db.database.clone(),
                head: db.head.clone(),
                pending: start.map_or_else(Vec::new, |s| ids[s..].to_vec()),
                known: start.is_some(),
            })
        })
        .collect()
}

/// What `deploy migrate --stack S` prints: the Lambda's result, and for `status`/`history` what
/// is pending.
struct Shown {
    stack: String,
    command: MigrateCommand,
    result: MigrateResult,
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} on {} (migrate Lambda, {LIVE}): {}",
            self.command,
            self.stack,
            match self.result.status {
                MigrateStatus::Ok => "ok",
                MigrateStatus::Failed => "FAILED",
            }
        )?;
        if self.result.databases.is_empty() {
            write!(
                f,
                "\n  no database ran (Neo4j is skipped on a stack without Neo4j credentials)"
            )?;
        }
        for db in &self.result.databases {
            write!(f, "\n  {}", db.database)?;
            write!(f, "\n    head: {}", db.head.as_deref().unwrap_or("base"))?;
            if !db.applied.is_empty() {
                write!(f, "\n    changed: {}", db.applied.join(", "))?;
            }
            if let Some(error) = &db.error {
                write!(f, "\n    error: {}", error.replace('\n', "\n      "))?;
            }
        }
        if matches!(
            self.command,
            MigrateCommand::Status | MigrateCommand::History
        ) {
            // The revisions are compiled in (and checked by the migrations' tests).
            let carried = code_remote_release::embedded_revisions().unwrap_or_default();
            for pending in pending(&self.result, &carried) {
                write!(f, "\n  {pending}")?;
            }
        }
        Ok(())
    }
}

impl Serialize for Shown {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.result.serialize(serializer)
    }
}

/// The Lambda request for a `deploy migrate` action (`heads` and `new` never reach here).
fn request(args: &MigrateArgs) -> anyhow::Result<MigrateRequest> {
    if args.migrations_dir.is_some() {
        bail!("--migrations-dir applies to direct runs only: a cloud stack's migrate Lambda runs the revisions of its release");
    }
    let (command, target) = match &args.action {
        Action::Status | Action::Pending | Action::Current => (MigrateCommand::Status, None),
        Action::History => (MigrateCommand::History, None),
        Action::Validate => (MigrateCommand::Validate, None),
        Action::Repair => (MigrateCommand::Repair, None),
        Action::Stamp { revision } => (MigrateCommand::Stamp, Some(revision.clone())),
        Action::Upgrade { sql: true, .. } | Action::Downgrade { sql: true, .. } => {
            bail!("--sql is not available through the migrate Lambda: run `deploy migrate upgrade --sql` without --stack (it needs no database)")
        }
        Action::Upgrade { target, .. } => (MigrateCommand::Upgrade, target.clone()),
        Action::Downgrade { target, .. } => (MigrateCommand::Downgrade, Some(target.clone())),
        Action::Heads | Action::New { .. } => {
            bail!("`heads` and `new` work on files, not on a stack")
        }
    };
    Ok(MigrateRequest {
        command,
        target,
        databases: vec![match args.db {
            Database::Postgres => RemoteDatabase::Postgres,
            Database::Neo4j => RemoteDatabase::Neo4j,
        }],
        release: String::new(),
    })
}

/// Sends the command to `stack`'s migrate function (`live` alias) and prints its result; a
/// reported failure is printed, then exits 1; an answer that is not a result (e.g. an emulator's
/// echo) is refused (exit 4).
pub async fn run(args: &MigrateArgs, stack: &StackName) -> anyhow::Result<()> {
    let request = request(args)?;
    let ctx = cloud::context(stack, "current").await?;
    let outputs = ctx.outputs()?;
    let function = ctx.function_name(&outputs, "migrate")?;
    let result =
        code_remote_release::invoke_migrate(&ctx.aws.lambda, function, LIVE, &request).await?;
    let failed = result.status == MigrateStatus::Failed;
    let summary = result.summary();
    emit(
        &Shown {
            stack: stack.to_string(),
            command: request.command,
            result,
        },
        args.json,
    )?;
    if failed {
        bail!("{} failed on {stack}: {summary}", request.command);
    }
    Ok(())
}
