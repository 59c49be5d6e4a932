//! PostgreSQL backend: a version table written in the same transaction as each migration, and a
//! session-level advisory lock on a dedicated connection (no pool), released on every path.

use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection, Row};

use crate::{AppliedRevision, Backend, Direction, Error, Revision, RevisionId};

/// The version table: one row per applied revision.
pub const VERSION_TABLE: &str = "schema_revisions";

/// The advisory lock key ("CodeRemo" in ASCII); advisory locks are per database.
const LOCK_KEY: i64 = 0x436F_6465_5265_6D6F;

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_revisions (\n    \
    revision text PRIMARY KEY,\n    \
    description text NOT NULL,\n    \
    file text NOT NULL,\n    \
    checksum text NOT NULL,\n    \
    stamped boolean NOT NULL DEFAULT false,\n    \
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp()\n)";

const INSERT: &str =
    "INSERT INTO schema_revisions (revision, description, file, checksum, stamped) \
    VALUES ($1, $2, $3, $4, $5)";

/// Migrates one PostgreSQL database over one dedicated connection.
pub struct PostgresBackend {
    conn: PgConnection,
}

impl PostgresBackend {
    /// Open the dedicated connection (tagged `application_name=code-remote-migrate` so a
    /// waiting run can name the lock holder).
    pub async fn connect(url: &str) -> Result<Self, Error> {
        let options =
            PgConnectOptions::from_str(url).map_err(Error::database("parsing the database URL"))?;
        Self::connect_with(options).await
    }

    /// Like [`PostgresBackend::connect`], from options built elsewhere (e.g. from the RDS-managed
    /// secret, whose password a URL would have to escape).
    pub async fn connect_with(options: PgConnectOptions) -> Result<Self, Error> {
        let conn = options
            .application_name("code-remote-migrate")
            .disable_statement_logging()
            .connect()
            .await
            .map_err(Error::database("connecting to PostgreSQL"))?;
        Ok(Self { conn })
    }

    /// The connection, for inspection in tests and tools.
    pub fn connection(&mut self) -> &mut PgConnection {
        &mut self.conn
    }

    /// Close the connection cleanly.
    pub async fn close(self) -> Result<(), Error> {
        self.conn
            .close()
            .await
            .map_err(Error::database("closing the connection"))
    }

    async fn exec(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        // A plain `&str` runs over the simple-query protocol, like psql: any statement, no parameters.
        sqlx::Executor::execute(&mut self.conn, sql)
            .await
            .map(|_| ())
    }

    async fn insert(&mut self, revision: &Revision, stamped: bool) -> Result<(), sqlx::Error> {
        sqlx::query(INSERT)
            .bind(revision.id.as_str())
            .bind(&revision.description)
            .bind(&revision.file)
            .bind(&revision.checksum)
            .bind(stamped)
            .execute(&mut self.conn)
            .await
            .map(|_| ())
    }

    async fn delete(&mut self, id: &RevisionId) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM schema_revisions WHERE revision = $1")
            .bind(id.as_str())
            .execute(&mut self.conn)
            .await
            .map(|_| ())
    }

    /// Run `statements` then the bookkeeping, in one transaction unless the file opted out.
    async fn run(
        &mut self,
        revision: &Revision,
        statements: &[String],
        direction: Direction,
    ) -> Result<(), Error> {
        let transactional = !revision.no_transaction;
        if transactional {
            self.exec("BEGIN").await.map_err(Error::database("BEGIN"))?;
        }
        let result = self.run_in_place(revision, statements, direction).await;
        match (&result, transactional) {
            (Ok(()), true) => self
                .exec("COMMIT")
                .await
                .map_err(Error::database("COMMIT"))?,
            (Err(_), true) => self
                .exec("ROLLBACK")
                .await
                .map_err(Error::database("ROLLBACK"))?,
            _ => {}
        }
        result
    }

    async fn run_in_place(
        &mut self,
        revision: &Revision,
        statements: &[String],
        direction: Direction,
    ) -> Result<(), Error> {
        for (index, statement) in statements.iter().enumerate() {
            if let Err(e) = self.exec(statement).await {
                return Err(Error::MigrationFailed {
                    file: revision.file.clone(),
                    index: index + 1,
                    statement: statement.clone(),
                    source: Box::new(e),
                });
            }
        }
        let action = format!("recording {} in {VERSION_TABLE}", revision.id);
        match direction {
            Direction::Up => self.insert(revision, false).await,
            Direction::Down => self.delete(&revision.id).await,
        }
        .map_err(Error::database(action))
    }

    async fn lock_holder(&mut self) -> String {
        let row = sqlx::query(
            "SELECT a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local'), \
                    coalesce(a.backend_start::text, '') \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid() \
               AND l.classid::bigint = ($1 >> 32) AND l.objid::bigint = ($1 & 4294967295)",
        )
        .bind(LOCK_KEY)
        .fetch_optional(&mut self.conn)
        .await;
        match row {
            Ok(Some(row)) => format!(
                "held by backend pid {} (application {:?}, client {}, connected since {})",
                row.get::<i32, _>(0),
                row.get::<String, _>(1),
                row.get::<String, _>(2),
                row.get::<String, _>(3)
            ),
            Ok(None) => "holder already gone".into(),
            Err(e) => format!("holder unknown: {e}"),
        }
    }
}

impl Backend for PostgresBackend {
    async fn ensure_store(&mut self) -> Result<(), Error> {
        self.exec(CREATE_TABLE)
            .await
            .map_err(Error::database(format!("creating {VERSION_TABLE}")))
    }

    async fn lock(&mut self, wait: Duration) -> Result<(), Error> {
        let started = Instant::now();
        loop {
            let acquired: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                .bind(LOCK_KEY)
                .fetch_one(&mut self.conn)
                .await
                .map_err(Error::database("taking the migration lock"))?;
            if acquired {
                return Ok(());
            }
            if started.elapsed() >= wait {
                return Err(Error::LockTimeout {
                    holder: self.lock_holder().await,
                    waited_secs: started.elapsed().as_secs(),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn unlock(&mut self) -> Result<(), Error> {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(LOCK_KEY)
            .execute(&mut self.conn)
            .await
            .map(|_| ())
            .map_err(Error::database("releasing the migration lock"))
    }

    async fn applied(&mut self) -> Result<Vec<AppliedRevision>, Error> {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
            .bind(VERSION_TABLE)
            .fetch_one(&mut self.conn)
            .await
            .map_err(Error::database(format!("looking for {VERSION_TABLE}")))?;
        if !exists {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT revision, checksum, file, applied_at::text, stamped FROM schema_revisions \
             ORDER BY applied_at, revision",
        )
        .fetch_all(&mut self.conn)
        .await
        .map_err(Error::database(format!("reading {VERSION_TABLE}")))?;
        rows.into_iter()
            .map(|row| {
                let id: String = row.get(0);
                Ok(AppliedRevision {
                    id: RevisionId::parse(&id)
                        .map_err(|_| Error::UnknownAppliedRevision(id.clone()))?,
                    checksum: row.get(1),
                    file: row.get(2),
                    applied_at: row.get(3),
                    stamped: row.get(4),
                    finished: true,
                })
            })
            .collect()
    }

    async fn apply(&mut self, revision: &Revision) -> Result<(), Error> {
        self.run(revision, &revision.up, Direction::Up).await
    }

    async fn revert(&mut self, revision: &Revision) -> Result<(), Error> {
        let down = revision.down.clone().unwrap_or_default();
        self.run(revision, &down, Direction::Down).await
    }

    async fn record(&mut self, revision: &Revision) -> Result<(), Error> {
        self.insert(revision, true)
            .await
            .map_err(Error::database(format!("stamping {}", revision.id)))
    }

    async fn forget(&mut self, id: &RevisionId) -> Result<(), Error> {
        self.delete(id)
            .await
            .map_err(Error::database(format!("forgetting {id}")))
    }

    async fn set_checksum(&mut self, id: &RevisionId, checksum: &str) -> Result<(), Error> {
        sqlx::query("UPDATE schema_revisions SET checksum = $2 WHERE revision = $1")
            .bind(id.as_str())
            .bind(checksum)
            .execute(&mut self.conn)
            .await
            .map(|_| ())
            .map_err(Error::database(format!("repairing the checksum of {id}")))
    }

    fn render_store(&self) -> String {
        format!("{CREATE_TABLE};\n")
    }

    fn render(&self, revision: &Revision, direction: Direction) -> String {
        render(revision, direction)
    }
}

/// The script [`PostgresBackend`] runs for one step (statements, bookkeeping, transaction).
pub fn render(revision: &Revision, direction: Direction) -> String {
    let (verb, statements) = match direction {
        Direction::Up => ("upgrade", revision.up.as_slice()),
        Direction::Down => ("downgrade", revision.down.as_deref().unwrap_or_default()),
    };
    let mut out = format!(
        "-- {verb} {}: {} ({})\n",
        revision.id, revision.description, revision.file
    );
    if !revision.no_transaction {
        out.push_str("BEGIN;\n");
    }
    for statement in statements {
        out.push_str(statement);
        out.push_str(";\n");
    }
    let literal = |s: &str| format!("'{}'", s.replace('\'', "''"));
    match direction {
        Direction::Up => out.push_str(&format!(
            "INSERT INTO schema_revisions (revision, description, file, checksum, stamped) VALUES ({}, {}, {}, {}, false);\n",
            literal(revision.id.as_str()),
            literal(&revision.description),
            literal(&revision.file),
            literal(&revision.checksum)
        )),
        Direction::Down => out.push_str(&format!(
            "DELETE FROM schema_revisions WHERE revision = {};\n",
            literal(revision.id.as_str())
        )),
    }
    if !revision.no_transaction {
        out.push_str("COMMIT;\n");
    }
    out
}
