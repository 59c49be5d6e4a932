//! Real clusters: start, use, drop, signal.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use code_remote_ephemeral_postgres::{EphemeralPostgres, Options, TestDatabase};
use sqlx::{Connection, PgConnection, Row};

fn process_exists(pid: u32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
}

async fn select_one(url: &str) -> i32 {
    let mut conn = PgConnection::connect(url).await.unwrap();
    sqlx::query("SELECT 1 AS one")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get("one")
}

#[tokio::test]
async fn started_cluster_serves_its_database_and_drop_removes_process_and_dir() {
    let cluster = EphemeralPostgres::start().await.unwrap();
    assert_eq!(select_one(&cluster.url()).await, 1);
    let (pid, dir) = (cluster.pid(), cluster.root_dir().to_path_buf());
    assert!(process_exists(pid));
    assert!(dir.join("data/PG_VERSION").is_file());

    drop(cluster);

    assert!(
        !process_exists(pid),
        "postmaster {pid} still running after drop"
    );
    assert!(!dir.exists(), "{} still exists after drop", dir.display());
}

#[tokio::test]
async fn cold_initdb_without_template_cache_also_works() {
    let options = Options {
        template_cache: false,
        database: "cold".into(),
        ..Options::default()
    };
    let cluster = EphemeralPostgres::start_with(options).await.unwrap();
    assert!(cluster.url().ends_with("/cold"));
    assert_eq!(select_one(&cluster.url()).await, 1);
}

#[tokio::test]
async fn a_cluster_on_its_own_loopback_address_serves_tls_on_the_default_port() {
    // 127.0.0.0/8 is all loopback: a random address of it has port 5432 free.
    let address = std::net::Ipv4Addr::new(127, 31, (std::process::id() % 250) as u8 + 1, 9);
    let options = Options {
        address,
        port: Some(5432),
        tls: true,
        ..Options::default()
    };
    let cluster = EphemeralPostgres::start_with(options).await.unwrap();
    assert_eq!((cluster.address(), cluster.port()), (address, 5432));
    let url = format!("{}?sslmode=require", cluster.url());
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let ssl: bool = sqlx::query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get("ssl");
    assert!(ssl, "the connection is not encrypted");
}

#[tokio::test]
async fn server_runs_as_an_unprivileged_user_when_we_are_root() {
    let cluster = EphemeralPostgres::start().await.unwrap();
    let status = std::fs::read_to_string(format!("/proc/{}/status", cluster.pid())).unwrap();
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    let server_uid: u32 = uid_line.split_whitespace().nth(1).unwrap().parse().unwrap();
    // SAFETY: geteuid has no preconditions.
    let our_uid = unsafe { libc::geteuid() };
    if our_uid == 0 {
        assert_ne!(server_uid, 0, "server must not run as root");
    } else {
        assert_eq!(server_uid, our_uid);
    }
}

#[tokio::test]
async fn test_databases_are_fresh_and_distinct() {
    let a = TestDatabase::create().await.unwrap();
    let b = TestDatabase::create().await.unwrap();
    assert_ne!(a.name(), b.name());
    let mut conn = PgConnection::connect(a.url()).await.unwrap();
    sqlx::raw_sql("CREATE TABLE only_in_a (x int)")
        .execute(&mut conn)
        .await
        .unwrap();
    let mut conn_b = PgConnection::connect(b.url()).await.unwrap();
    let tables: i64 = sqlx::query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        .fetch_one(&mut conn_b)
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 0);
}

#[test]
fn sigterm_to_a_serving_process_removes_its_cluster() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ephemeral-postgres"))
        .arg("serve")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).unwrap();
    let pid = info["pid"].as_u64().unwrap() as u32;
    let dir = PathBuf::from(info["dir"].as_str().unwrap());
    assert!(process_exists(pid));
    assert!(dir.exists());

    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let status = child.wait().unwrap();

    assert!(!status.success());
    assert!(
        !process_exists(pid),
        "postmaster {pid} survived SIGTERM of its owner"
    );
    assert!(
        !dir.exists(),
        "{} survived SIGTERM of its owner",
        dir.display()
    );
}
