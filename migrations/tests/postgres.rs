//! The engine against real PostgreSQL (a fresh database per test from the shared ephemeral cluster).

use std::process::Command;
use std::time::Duration;

use code_remote_ephemeral_postgres::{PgBinaries, TestDatabase};
use code_remote_migrations::postgres::PostgresBackend;
use code_remote_migrations::{Dialect, Direction, Error, History, Migrator, Source, Target};
use sqlx::{Connection, PgConnection};

async fn migrator(url: &str, source: &Source) -> Migrator<PostgresBackend> {
    let backend = PostgresBackend::connect(url).await.unwrap();
    Migrator::new(History::load(source).unwrap(), backend).with_lock_wait(Duration::from_secs(5))
}

/// How many PostgreSQL revisions this release embeds (later issues add more).
fn total() -> usize {
    History::load(&Source::embedded(Dialect::Postgres))
        .unwrap()
        .revisions()
        .len()
}

fn schema_dump(url: &str) -> String {
    let pg_dump = PgBinaries::locate().unwrap().binary("pg_dump");
    let out = Command::new(pg_dump)
        .args([
            "--schema-only",
            "--no-owner",
            "--exclude-table=schema_revisions",
            url,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // pg_dump 15.14+ wraps the dump in `\restrict <random key>`; the key differs every run.
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn scalar<T>(url: &str, sql: &str) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    let mut conn = PgConnection::connect(url).await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
}

async fn user_tables(url: &str) -> Vec<String> {
    let mut conn = PgConnection::connect(url).await.unwrap();
    sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
}

fn file(id: &str, parent: &str, up: &str, down: &str) -> (String, String) {
    (
        format!("{id}.sql"),
        format!("-- revision: {id}\n-- down_revision: {parent}\n-- description: fixture {id}\n-- migrate:up\n{up}\n-- migrate:down\n{down}\n"),
    )
}

#[tokio::test]
async fn upgrade_downgrade_upgrade_round_trip_gives_an_identical_schema() {
    let db = TestDatabase::create().await.unwrap();
    let mut m = migrator(db.url(), &Source::embedded(Dialect::Postgres)).await;

    let report = m.upgrade(&Target::Head).await.unwrap();
    assert_eq!(
        report.revisions[..4],
        [
            "0001_initial",
            "0002_starring",
            "0003_complexity",
            "0004_executions"
        ]
    );
    assert_eq!(report.revisions.len(), total());
    let first = schema_dump(db.url());
    for column in [
        "is_starred",
        "time_complexity",
        "complexity_narrative",
        "execution_count",
        "code_sha256",
    ] {
        assert!(first.contains(column), "{column} missing from schema");
    }
    assert!(
        first.contains("WHERE (email IS NOT NULL)"),
        "email must be unique only where present"
    );

    let down = m.downgrade(&Target::Base).await.unwrap();
    assert_eq!(down.revisions.len(), total());
    assert_eq!(down.current, None);
    assert_eq!(user_tables(db.url()).await, ["schema_revisions"]);

    m.upgrade(&Target::Head).await.unwrap();
    assert_eq!(schema_dump(db.url()), first);
    assert_eq!(
        m.current().await.unwrap(),
        m.history().head().map(|r| r.id.to_string())
    );
}

#[tokio::test]
async fn downgrade_by_one_and_to_a_revision() {
    let db = TestDatabase::create().await.unwrap();
    let mut m = migrator(db.url(), &Source::embedded(Dialect::Postgres)).await;
    m.upgrade(&Target::parse("0004_executions")).await.unwrap();
    let one = m.downgrade(&Target::parse("-1")).await.unwrap();
    assert_eq!(one.revisions, ["0004_executions"]);
    assert!(!user_tables(db.url())
        .await
        .contains(&"executions".to_string()));
    let to = m.downgrade(&Target::parse("0001_initial")).await.unwrap();
    assert_eq!(to.revisions, ["0003_complexity", "0002_starring"]);
    assert_eq!(m.current().await.unwrap().as_deref(), Some("0001_initial"));
    let status = m.status().await.unwrap();
    assert_eq!(status.pending.len(), total() - 1);
}

#[tokio::test]
async fn an_edited_applied_file_is_refused_until_repaired() {
    let db = TestDatabase::create().await.unwrap();
    let original = vec![
        file("a", "none", "CREATE TABLE a (x int);", "DROP TABLE a;"),
        file("b", "a", "CREATE TABLE b (x int);", "DROP TABLE b;"),
    ];
    migrator(db.url(), &Source::from_files(Dialect::Postgres, original))
        .await
        .upgrade(&Target::Head)
        .await
        .unwrap();

    let edited = vec![
        file("a", "none", "CREATE TABLE a (x bigint);", "DROP TABLE a;"),
        file("b", "a", "CREATE TABLE b (x int);", "DROP TABLE b;"),
        file("c", "b", "CREATE TABLE c (x int);", "DROP TABLE c;"),
    ];
    let mut m = migrator(db.url(), &Source::from_files(Dialect::Postgres, edited)).await;
    let refused = m.upgrade(&Target::Head).await.unwrap_err();
    assert!(matches!(refused, Error::ChecksumMismatch { .. }));
    assert!(refused.to_string().contains("a.sql"), "{refused}");
    assert!(!refused.to_string().contains("b.sql"), "{refused}");
    let invalid = m.validate().await.unwrap_err();
    assert!(
        invalid.to_string().contains("a.sql") && invalid.to_string().contains("repair"),
        "{invalid}"
    );
    assert!(!user_tables(db.url()).await.contains(&"c".to_string()));

    let repaired = m.repair().await.unwrap();
    assert_eq!(repaired.revisions, ["accepted a (a.sql)"]);
    m.validate().await.unwrap();
    m.upgrade(&Target::Head).await.unwrap();
    assert!(user_tables(db.url()).await.contains(&"c".to_string()));
}

#[tokio::test]
async fn a_migration_failing_halfway_leaves_nothing_and_releases_the_lock() {
    let db = TestDatabase::create().await.unwrap();
    let files = vec![
        file("a", "none", "CREATE TABLE a (x int);", "DROP TABLE a;"),
        file(
            "b",
            "a",
            "CREATE TABLE half (x int);\nCREATE TABLE broken (x no_such_type);",
            "DROP TABLE half;",
        ),
    ];
    let mut m = migrator(db.url(), &Source::from_files(Dialect::Postgres, files)).await;
    let err = m.upgrade(&Target::Head).await.unwrap_err();
    let Error::MigrationFailed {
        file,
        index,
        statement,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!((file.as_str(), *index), ("b.sql", 2));
    assert!(statement.contains("no_such_type"));
    assert!(
        err.to_string()
            .contains("type \"no_such_type\" does not exist"),
        "{err}"
    );

    assert_eq!(user_tables(db.url()).await, ["a", "schema_revisions"]);
    let recorded: i64 = scalar(db.url(), "SELECT count(*) FROM schema_revisions").await;
    assert_eq!(recorded, 1);
    let locks: i64 = scalar(
        db.url(),
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .await;
    assert_eq!(
        locks, 0,
        "the advisory lock must be released after a failure"
    );
    assert_eq!(m.current().await.unwrap().as_deref(), Some("a"));
}

#[tokio::test]
async fn sql_dry_run_prints_the_script_and_changes_nothing() {
    let db = TestDatabase::create().await.unwrap();
    let mut m = migrator(db.url(), &Source::embedded(Dialect::Postgres)).await;
    let plan = m.plan(&Target::Head, Direction::Up).await.unwrap();
    let script = plan.to_string();
    assert!(script.contains("CREATE TABLE IF NOT EXISTS schema_revisions"));
    assert!(script.contains("CREATE TABLE users ("));
    assert!(script.contains("INSERT INTO schema_revisions (revision, description, file, checksum, stamped) VALUES ('0004_executions'"));
    assert_eq!(script.matches("BEGIN;").count(), total());
    assert!(
        user_tables(db.url()).await.is_empty(),
        "dry run created tables"
    );
}

#[tokio::test]
async fn stamp_adopts_an_existing_schema() {
    let db = TestDatabase::create().await.unwrap();
    let history = History::load(&Source::embedded(Dialect::Postgres)).unwrap();
    let mut conn = PgConnection::connect(db.url()).await.unwrap();
    for revision in history.revisions() {
        for statement in &revision.up {
            sqlx::raw_sql(statement).execute(&mut conn).await.unwrap();
        }
    }
    let mut m = migrator(db.url(), &Source::embedded(Dialect::Postgres)).await;
    assert_eq!(m.status().await.unwrap().pending.len(), total());
    let stamped = m.stamp(&Target::Head).await.unwrap();
    assert_eq!(stamped.revisions.len(), total());
    let status = m.status().await.unwrap();
    assert!(status.pending.is_empty());
    assert!(status.applied.iter().all(|a| a.stamped));
    assert!(m.upgrade(&Target::Head).await.unwrap().revisions.is_empty());
    // A stamped database downgrades like a migrated one.
    m.downgrade(&Target::parse("0003_complexity"))
        .await
        .unwrap();
    assert!(!user_tables(db.url())
        .await
        .contains(&"executions".to_string()));
    m.stamp(&Target::Base).await.unwrap();
    assert_eq!(m.current().await.unwrap(), None);
}

#[tokio::test]
async fn a_held_lock_makes_the_second_run_wait_then_name_the_holder() {
    let db = TestDatabase::create().await.unwrap();
    let source = Source::embedded(Dialect::Postgres);
    let mut holder = PostgresBackend::connect(db.url()).await.unwrap();
    code_remote_migrations::Backend::lock(&mut holder, Duration::ZERO)
        .await
        .unwrap();

    let mut waiting = migrator(db.url(), &source)
        .await
        .with_lock_wait(Duration::from_millis(200));
    let err = waiting.upgrade(&Target::Head).await.unwrap_err();
    assert!(matches!(err, Error::LockTimeout { .. }));
    let message = err.to_string();
    assert!(
        message.contains("another migration holds the lock"),
        "{message}"
    );
    assert!(message.contains("code-remote-migrate"), "{message}");
    assert!(user_tables(db.url()).await.is_empty());

    code_remote_migrations::Backend::unlock(&mut holder)
        .await
        .unwrap();
    assert_eq!(
        waiting
            .upgrade(&Target::Head)
            .await
            .unwrap()
            .revisions
            .len(),
        total()
    );
}

#[tokio::test]
async fn no_transaction_files_run_statements_outside_a_transaction() {
    let db = TestDatabase::create().await.unwrap();
    let mut files = vec![file(
        "a",
        "none",
        "CREATE TABLE a (x int);",
        "DROP TABLE a;",
    )];
    let (name, text) = file(
        "b",
        "a",
        "CREATE INDEX CONCURRENTLY a_x ON a (x);",
        "DROP INDEX CONCURRENTLY a_x;",
    );
    files.push((
        name,
        text.replace("-- migrate:up", "-- migrate:no-transaction\n-- migrate:up"),
    ));
    let mut m = migrator(db.url(), &Source::from_files(Dialect::Postgres, files)).await;
    m.upgrade(&Target::Head).await.unwrap();
    let indexes: i64 = scalar(
        db.url(),
        "SELECT count(*) FROM pg_indexes WHERE indexname = 'a_x'",
    )
    .await;
    assert_eq!(indexes, 1);
    m.downgrade(&Target::Relative(-1)).await.unwrap();
    let indexes: i64 = scalar(
        db.url(),
        "SELECT count(*) FROM pg_indexes WHERE indexname = 'a_x'",
    )
    .await;
    assert_eq!(indexes, 0);
}
