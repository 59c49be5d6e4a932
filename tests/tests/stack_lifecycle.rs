//! Stack lifecycle through the `deploy` binary: detach to healthy, outputs, two stacks at once,
//! port fallback, name clashes, and nothing left behind by `deploy down` or by a SIGKILLed supervisor.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use code_remote_e2e::{alive, command, deploy, expect_success, stacks_dir, unique_name, Stack};
use code_remote_local_stack::{Phase, ProcessRecord};

/// Polls until none of `records` runs; panics naming the survivors after 30 s.
fn wait_all_dead(records: &[ProcessRecord]) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !alive(records).is_empty() {
        assert!(
            Instant::now() < deadline,
            "still running: {:?}",
            alive(records)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn detach_reaches_healthy_outputs_parse_and_down_leaves_nothing() {
    let mut stack = Stack::up(&[]);
    let outputs = stack.outputs().clone();
    let health: serde_json::Value = reqwest::get(format!("{}/health", outputs.api_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "healthy");
    assert!(outputs.websocket_url.starts_with("ws://127.0.0.1:"));
    assert!(outputs.database_url.starts_with("postgres://"));
    assert_eq!(outputs.region, "us-east-1");
    assert!(outputs.cognito_issuer.ends_with(&outputs.user_pool_id));
    let jwks: serde_json::Value = reqwest::get(&outputs.jwks_url)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(jwks["keys"].as_array().is_some_and(|k| !k.is_empty()));

    let state = stack.state();
    assert_eq!(state.phase, Phase::Ready);
    let names: Vec<&str> = state.processes.iter().map(|p| p.name.as_str()).collect();
    for expected in [
        "postgres-server",
        "postgres",
        "moto",
        "api",
        "worker",
        "sync-worker",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    let processes = stack.processes();
    assert_eq!(
        alive(&processes).len(),
        processes.len(),
        "every process runs"
    );
    let dirs = state.dirs.clone();
    assert!(dirs.iter().all(|d| d.exists()));

    expect_success("deploy down", &stack.down());
    assert!(alive(&processes).is_empty(), "{:?}", alive(&processes));
    for dir in dirs.iter().chain([&stack.dir()]) {
        assert!(!dir.exists(), "{} is left behind", dir.display());
    }
    let after = deploy(&[
        "outputs",
        "--stack",
        "local",
        "--name",
        stack.name(),
        "--json",
    ]);
    assert!(!after.status.success());
    assert!(String::from_utf8_lossy(&after.stderr).contains("no local stack"));
}

#[tokio::test]
async fn two_stacks_run_side_by_side_with_their_own_pools() {
    let mut first = Stack::up(&[]);
    let mut second = Stack::up(&[]);
    let (a, b) = (first.outputs().clone(), second.outputs().clone());
    assert_ne!(a.api_url, b.api_url);
    assert_ne!(a.aws_endpoint_url, b.aws_endpoint_url);
    assert_ne!(a.database_url, b.database_url);
    assert_ne!(first.dir(), second.dir());
    let token = first.token("alice");
    let http = reqwest::Client::new();
    let mine = http
        .get(format!("{}/snippets", a.api_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(mine.status(), 200);
    let theirs = http
        .get(format!("{}/snippets", b.api_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        theirs.status(),
        401,
        "a token of another stack's pool is refused"
    );

    let (first_processes, second_processes) = (first.processes(), second.processes());
    expect_success("deploy down (first)", &first.down());
    assert!(alive(&first_processes).is_empty());
    assert_eq!(
        alive(&second_processes).len(),
        second_processes.len(),
        "stopping one stack leaves the other running"
    );
    expect_success("deploy down (second)", &second.down());
    assert!(alive(&second_processes).is_empty());
}

#[test]
fn a_taken_port_moves_the_api_and_a_running_name_is_refused() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let stack = Stack::up(&["--port", &port.to_string()]);
    assert!(!stack.outputs().api_url.ends_with(&format!(":{port}")));

    let again = deploy(&["up", "--stack", "local", "--name", stack.name(), "--detach"]);
    assert!(!again.status.success());
    let message = String::from_utf8_lossy(&again.stderr);
    assert!(message.contains("already running"), "{message}");
    assert!(message.contains("deploy down"), "{message}");
}

#[test]
fn a_sigkilled_supervisor_takes_every_child_along_and_down_cleans_up() {
    let mut stack = Stack::up(&[]);
    let state = stack.state();
    let supervisor = state.supervisor.clone().unwrap();
    supervisor.signal(libc::SIGKILL);
    wait_all_dead(&state.processes);
    assert!(
        state.dirs.iter().all(|d| !d.exists()),
        "the cluster removes its own directory"
    );
    expect_success("deploy down after a kill", &stack.down());
    assert!(!stack.dir().exists());
}

#[test]
fn an_unusable_search_backend_fails_clearly_and_leaves_nothing() {
    let name = unique_name();
    let output = command(&[
        "up",
        "--stack",
        "local",
        "--name",
        &name,
        "--search-backend",
        "neo4j",
        "--detach",
    ])
    .env_remove("NEO4J_URI")
    .env("ARCADEDB_HOME", "/nonexistent/arcadedb")
    .output()
    .unwrap();
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("NEO4J_URI"), "{message}");
    assert!(message.contains("scripts/setup-bolt"), "{message}");
    assert!(message.contains("--search-backend postgres"), "{message}");
    assert!(!stacks_dir().join(&name).exists());
}
