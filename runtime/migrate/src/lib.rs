//! The migrate Lambda: the migration engine (`code-remote-migrations`, revisions compiled in)
//! run inside the stack's network against its PostgreSQL and, when the stack has one, Neo4j.
//!
//! `deploy up` invokes it on the new release's version before traffic moves; `deploy status`,
//! `deploy preview` and `deploy migrate --stack S` invoke it through the `live` alias. The
//! request and the result are [`code_remote_migrations::remote`]'s types, which `deploy` reads:
//!
//! - in: `{"command": "upgrade"|"status"|"downgrade"|"stamp"|"validate"|"repair"|"history",
//!   "target"?: "head"|"base"|"-1"|"<revision id>", "databases"?: ["postgres", "neo4j"],
//!   "release"?: "vX.Y.Z"}` (`action` is accepted for `command`);
//! - out: `{"status": "ok"|"failed", "databases": [{"database", "applied", "head", "error"?}]}`.
//!
//! Databases run in the order asked (PostgreSQL first by default) and the call stops at the first
//! that fails. A failed migration is an answer (`status: failed`, the engine's message with the
//! file, the statement and the database error in `error`), never a panic or a Lambda error. A
//! Neo4j without credentials is skipped (left out of `databases`, logged as SKIPPED) unless
//! `SEARCH_BACKEND=neo4j`, where it fails the call. Only a request the handler cannot act on
//! (`downgrade` or `stamp` without a target) is returned as an error ([`RequestError`]).
#![deny(missing_docs)]

mod settings;

use code_remote_migrations::neo4j::{Neo4jBackend, Neo4jSettings};
use code_remote_migrations::postgres::PostgresBackend;
use code_remote_migrations::remote::{
    Database, DatabaseResult, MigrateCommand, MigrateRequest, MigrateResult, MigrateStatus,
};
use code_remote_migrations::{Backend, Dialect, History, Migrator, Source, Target};

pub use settings::Settings;

/// A request the handler refuses before touching any database.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// `downgrade` and `stamp` need to be told where to go.
    #[error("`{0}` needs a target: `-1`, `base`, `head` or a revision id")]
    MissingTarget(MigrateCommand),
}

/// The Lambda's state: its settings, AWS configuration (for the secrets) and the revisions it
/// carries (the embedded ones, or others in tests).
pub struct MigrateFunction {
    settings: Settings,
    aws: aws_config::SdkConfig,
    postgres: Source,
    neo4j: Source,
}

/// What one database is asked to do, with its target parsed.
#[derive(Debug, Clone)]
enum Step {
    Upgrade(Target),
    Downgrade(Target),
    Stamp(Target),
    Repair,
    Validate,
    Status,
}

impl Step {
    fn from_request(request: &MigrateRequest) -> Result<Self, RequestError> {
        let target = request.target.as_deref().map(Target::parse);
        let required = || {
            target
                .clone()
                .ok_or(RequestError::MissingTarget(request.command))
        };
        Ok(match request.command {
            MigrateCommand::Upgrade => Self::Upgrade(target.clone().unwrap_or(Target::Head)),
            MigrateCommand::Downgrade => Self::Downgrade(required()?),
            MigrateCommand::Stamp => Self::Stamp(required()?),
            MigrateCommand::Repair => Self::Repair,
            MigrateCommand::Validate => Self::Validate,
            MigrateCommand::Status | MigrateCommand::History => Self::Status,
        })
    }
}

/// How a database's run ended, before it becomes a [`DatabaseResult`].
struct Outcome {
    changed: Vec<String>,
    head: Option<String>,
    error: Option<String>,
}

impl Outcome {
    fn failed(error: impl std::fmt::Display) -> Self {
        Self {
            changed: Vec::new(),
            head: None,
            error: Some(error.to_string()),
        }
    }

    fn into_result(self, database: Database) -> DatabaseResult {
        DatabaseResult {
            database: database.as_str().to_owned(),
            applied: self.changed,
            head: self.head,
            error: self.error,
        }
    }
}

impl MigrateFunction {
    /// The function with the revisions compiled into this binary.
    pub fn new(settings: Settings, aws: aws_config::SdkConfig) -> Self {
        Self {
            settings,
            aws,
            postgres: Source::embedded(Dialect::Postgres),
            neo4j: Source::embedded(Dialect::Neo4j),
        }
    }

    /// Replaces the revisions (tests use a directory of files).
    pub fn with_sources(mut self, postgres: Source, neo4j: Source) -> Self {
        self.postgres = postgres;
        self.neo4j = neo4j;
        self
    }

    async fn postgres(&self, step: &Step) -> Outcome {
        let history = match History::load(&self.postgres) {
            Ok(history) => history,
            Err(err) => return Outcome::failed(err),
        };
        let options = match code_remote_credentials::connect_options(
            &self.settings.postgres,
            &self.aws,
        )
        .await
        {
            Ok(options) => options,
            Err(err) => return Outcome::failed(err),
        };
        match PostgresBackend::connect_with(options).await {
            Ok(backend) => {
                let migrator =
                    Migrator::new(history, backend).with_lock_wait(self.settings.lock_wait);
                run(migrator, step).await
            }
            Err(err) => Outcome::failed(err),
        }
    }

    /// `None`: Neo4j is not configured and may be skipped.
    async fn neo4j(&self, step: &Step) -> Option<Outcome> {
        let credentials =
            match self.neo4j_credentials().await {
                Ok(Some(credentials)) => credentials,
                Ok(None) if self.settings.neo4j_required => return Some(Outcome::failed(
                    "SEARCH_BACKEND is neo4j but the stack has no Neo4j credentials: put them in \
                     the secret named by the neo4jSecretArn output with `deploy secrets set \
                     --stack <stack> neo4j` (docs/runbook.md)",
                )),
                Ok(None) => return None,
                Err(message) => return Some(Outcome::failed(message)),
            };
        let history = match History::load(&self.neo4j) {
            Ok(history) => history,
            Err(err) => return Some(Outcome::failed(err)),
        };
        let settings =
            match Neo4jSettings::with_embedding_dimension(self.settings.embedding_dimension) {
                Ok(settings) => settings,
                Err(err) => return Some(Outcome::failed(err)),
            };
        let backend = Neo4jBackend::connect(&credentials, settings).await;
        Some(match backend {
            Ok(backend) => {
                let migrator =
                    Migrator::new(history, backend).with_lock_wait(self.settings.lock_wait);
                run(migrator, step).await
            }
            Err(err) => Outcome::failed(err),
        })
    }

    async fn neo4j_credentials(
        &self,
    ) -> Result<Option<code_remote_config::Neo4jCredentials>, String> {
        match &self.settings.neo4j {
            None => Ok(None),
            Some(source) => code_remote_credentials::secrets::resolve_neo4j(&self.aws, source)
                .await
                .map_err(|err| err.to_string()),
        }
    }
}

/// Runs one request: each database in order, stopping at the first failure. `Err` only for a
/// request that cannot be acted on; every database error is in the result.
pub async fn handle(
    function: &MigrateFunction,
    request: MigrateRequest,
) -> Result<MigrateResult, RequestError> {
    let step = Step::from_request(&request)?;
    tracing::info!(
        command = %request.command,
        target = request.target.as_deref().unwrap_or("default"),
        release = %request.release,
        databases = ?request.databases,
        "migrate"
    );
    let mut databases = Vec::new();
    let mut status = MigrateStatus::Ok;
    for database in &request.databases {
        let outcome = match database {
            Database::Postgres => function.postgres(&step).await,
            Database::Neo4j => match function.neo4j(&step).await {
                Some(outcome) => outcome,
                None => {
                    tracing::warn!(
                        "SKIPPED neo4j: the stack has no Neo4j credentials (NEO4J_URI or a value \
                         in the NEO4J_SECRET_ARN secret) and SEARCH_BACKEND is not neo4j"
                    );
                    continue;
                }
            },
        };
        let result = outcome.into_result(*database);
        match &result.error {
            Some(error) => tracing::error!(database = %database, %error, "migration failed"),
            None => tracing::info!(
                database = %database,
                head = result.head.as_deref().unwrap_or("base"),
                changed = ?result.applied,
                "migration done"
            ),
        }
        let failed = result.error.is_some();
        databases.push(result);
        if failed {
            status = MigrateStatus::Failed;
            break;
        }
    }
    Ok(MigrateResult { status, databases })
}

/// Runs `step` with `migrator`; on failure, reads back where the database is and (for
/// `upgrade`) which revisions were applied before the failing one.
async fn run<B: Backend>(mut migrator: Migrator<B>, step: &Step) -> Outcome {
    let before = match step {
        Step::Upgrade(_) => migrator.current().await.ok().flatten(),
        _ => None,
    };
    let done = match step {
        Step::Upgrade(target) => migrator
            .upgrade(target)
            .await
            .map(|r| (r.revisions, r.current)),
        Step::Downgrade(target) => migrator
            .downgrade(target)
            .await
            .map(|r| (r.revisions, r.current)),
        Step::Stamp(target) => migrator
            .stamp(target)
            .await
            .map(|r| (r.revisions, r.current)),
        Step::Repair => migrator.repair().await.map(|r| (r.revisions, r.current)),
        Step::Validate => migrator.validate().await.map(|s| (Vec::new(), s.current)),
        Step::Status => migrator.status().await.map(|s| (Vec::new(), s.current)),
    };
    match done {
        Ok((changed, head)) => Outcome {
            changed,
            head,
            error: None,
        },
        Err(err) => {
            let head = head_after(&mut migrator).await;
            let changed = match step {
                Step::Upgrade(_) => between(migrator.history(), before.as_deref(), head.as_deref()),
                _ => Vec::new(),
            };
            Outcome {
                changed,
                head,
                // A failed statement's message names the file, the statement and the database error.
                error: Some(err.to_string()),
            }
        }
    }
}

/// The newest recorded revision, read without the engine's checks (which may be what failed).
async fn head_after<B: Backend>(migrator: &mut Migrator<B>) -> Option<String> {
    let rows = migrator.backend_mut().applied().await.ok()?;
    let history = migrator.history();
    rows.iter()
        .filter_map(|row| history.position(&row.id).map(|p| (p, row)))
        .max_by_key(|(position, _)| *position)
        .map(|(_, row)| row.id.to_string())
        .or_else(|| rows.last().map(|row| row.id.to_string()))
}

/// The revisions after `from` (exclusive; `None` = base) up to `to` (inclusive).
fn between(history: &History, from: Option<&str>, to: Option<&str>) -> Vec<String> {
    let Some(to) = to else {
        return Vec::new();
    };
    let ids: Vec<&str> = history.revisions().iter().map(|r| r.id.as_str()).collect();
    let start = from
        .and_then(|f| ids.iter().position(|id| *id == f))
        .map_or(0, |p| p + 1);
    match ids.iter().position(|id| *id == to) {
        Some(end) if end >= start => ids[start..=end].iter().map(|s| (*s).to_owned()).collect(),
        _ => Vec::new(),
    }
}
