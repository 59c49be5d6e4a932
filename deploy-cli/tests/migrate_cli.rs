//! `deploy migrate` as a user runs it: the built binary against real PostgreSQL.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use code_remote_ephemeral_postgres::TestDatabase;
use sqlx::{Connection, PgConnection};

fn deploy(args: &[&str], url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_deploy"));
    command
        .arg("migrate")
        .args(args)
        .env("DATABASE_URL", url)
        .env_remove("NEO4J_URI");
    command
}

fn run(args: &[&str], url: &str) -> Output {
    deploy(args, url).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn count(url: &str, sql: &str) -> i64 {
    let mut conn = PgConnection::connect(url).await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
}

/// How many PostgreSQL revisions the binary embeds (the files it was built from).
fn embedded_total() -> usize {
    std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/postgres"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sql")
        })
        .count()
}

#[tokio::test]
async fn two_upgrade_processes_at_once_apply_each_revision_exactly_once() {
    let db = TestDatabase::create().await.unwrap();
    let spawn = || {
        deploy(&["upgrade", "--json"], db.url())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(), spawn());
    let outputs = [
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    ];

    let mut applied = Vec::new();
    for out in &outputs {
        if out.status.success() {
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            applied.extend(
                report["revisions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string()),
            );
        } else {
            // The only acceptable failure is a bounded wait that names the lock holder.
            assert!(
                text(&out.stderr).contains("another migration holds the lock"),
                "{}",
                text(&out.stderr)
            );
        }
    }
    let total = embedded_total();
    let mut unique = applied.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        applied.len(),
        total,
        "each revision applied exactly once: {applied:?}"
    );
    assert_eq!(unique.len(), total);
    let rows = count(
        db.url(),
        "SELECT count(DISTINCT revision) FROM schema_revisions",
    )
    .await;
    let all_rows = count(db.url(), "SELECT count(*) FROM schema_revisions").await;
    assert_eq!((rows, all_rows), (total as i64, total as i64));
    let status = run(&["validate"], db.url());
    assert!(status.status.success(), "{}", text(&status.stderr));
}

#[tokio::test]
async fn sql_flag_prints_the_script_and_leaves_the_database_empty() {
    let db = TestDatabase::create().await.unwrap();
    let out = run(&["upgrade", "--sql"], db.url());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let script = text(&out.stdout);
    assert!(script.contains("CREATE TABLE users ("), "{script}");
    assert!(script.contains("INSERT INTO schema_revisions"), "{script}");
    let tables = count(
        db.url(),
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
    )
    .await;
    assert_eq!(tables, 0);
}

fn write(dir: &Path, id: &str, parent: &str, up: &str) {
    let body = format!("-- revision: {id}\n-- down_revision: {parent}\n-- description: {id}\n-- migrate:up\n{up}\n-- migrate:down\nSELECT 1;\n");
    std::fs::write(dir.join(format!("{id}.sql")), body).unwrap();
}

#[tokio::test]
async fn edited_files_are_named_by_upgrade_and_validate_and_accepted_by_repair() {
    let db = TestDatabase::create().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    write(dir.path(), "0001_a", "none", "CREATE TABLE a (x int);");
    assert!(run(&["upgrade", "--migrations-dir", dir_arg], db.url())
        .status
        .success());
    write(dir.path(), "0001_a", "none", "CREATE TABLE a (x bigint);");

    for command in ["upgrade", "validate"] {
        let out = run(&[command, "--migrations-dir", dir_arg], db.url());
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains("0001_a.sql"),
            "{command}: {}",
            text(&out.stderr)
        );
    }
    let repair = run(&["repair", "--migrations-dir", dir_arg], db.url());
    assert!(repair.status.success(), "{}", text(&repair.stderr));
    assert!(text(&repair.stdout).contains("accepted 0001_a"));
    assert!(run(&["validate", "--migrations-dir", dir_arg], db.url())
        .status
        .success());
}

#[tokio::test]
async fn two_heads_are_refused_and_new_chains_onto_the_head() {
    let db = TestDatabase::create().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    let created = run(&["new", "create a", "--migrations-dir", dir_arg], db.url());
    assert!(
        text(&created.stdout).contains("0001_create_a.sql"),
        "{}",
        text(&created.stderr)
    );
    write(
        dir.path(),
        "0002_b",
        "0001_create_a",
        "CREATE TABLE b (x int);",
    );
    write(
        dir.path(),
        "0002_c",
        "0001_create_a",
        "CREATE TABLE c (x int);",
    );

    let heads = run(&["heads", "--migrations-dir", dir_arg], db.url());
    assert!(
        text(&heads.stdout).contains("2 heads"),
        "{}",
        text(&heads.stdout)
    );
    let out = run(&["upgrade", "--migrations-dir", dir_arg], db.url());
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("2 heads") && stderr.contains("0002_b") && stderr.contains("0002_c"),
        "{stderr}"
    );
}

#[tokio::test]
async fn stamp_then_status_and_history_report_the_adopted_state() {
    let db = TestDatabase::create().await.unwrap();
    let stamp = run(&["stamp", "head"], db.url());
    assert!(stamp.status.success(), "{}", text(&stamp.stderr));
    let status = run(&["status"], db.url());
    assert!(
        text(&status.stdout).contains("up to date"),
        "{}",
        text(&status.stdout)
    );
    let history = run(&["history"], db.url());
    assert!(
        text(&history.stdout).lines().all(|l| l.starts_with("[x]")),
        "{}",
        text(&history.stdout)
    );
    let current = run(&["current", "--json"], db.url());
    let value: serde_json::Value = serde_json::from_slice(&current.stdout).unwrap();
    assert_eq!(value["key"], "current");
}
