//! `deploy rehearse` end to end: the committed stacks' rendered programs, every function's
//! binary in Lambda mode under cargo-lambda's Runtime API emulator, moto and PostgreSQL for AWS.
//! The function binaries come from the same build as `deploy` (scripts/build-stack builds them).

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rehearse(args: &[&str]) -> (Output, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_deploy"))
        .arg("rehearse")
        .args(args)
        .arg("--json")
        .env("CODE_REMOTE_ROOT", repo())
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!(
            "no JSON report\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output, report)
}

fn failures(report: &Value) -> Vec<String> {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|step| step["ok"] == false)
        .map(|step| format!("{} {}: {}", step["function"], step["name"], step["detail"]))
        .collect()
}

fn step<'a>(report: &'a Value, function: &str, name: &str) -> &'a Value {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["function"] == function && s["name"].as_str().unwrap().starts_with(name))
        .unwrap_or_else(|| panic!("no step {function} {name} in {report}"))
}

fn assert_passes(args: &[&str]) -> Value {
    let (output, report) = rehearse(args);
    assert!(
        output.status.success(),
        "{args:?}: {:#?}\n{}",
        failures(&report),
        String::from_utf8_lossy(&output.stderr)
    );
    // Every function ran and answered at least once.
    for function in ["api", "ws", "worker", "sync-worker", "migrate"] {
        assert!(
            report["first_invocation_ms"][function].as_u64().is_some(),
            "{function} never answered: {report}"
        );
    }
    report
}

#[test]
fn prod_with_empty_secrets_passes_and_refuses_what_needs_neo4j() {
    let report = assert_passes(&["--stack", "prod", "--secrets", "empty"]);
    let health = step(&report, "api", "GET /health");
    assert!(
        health["detail"]
            .as_str()
            .unwrap()
            .contains(r#""analysis":"offline""#),
        "{health}"
    );
    let refused = step(&report, "sync-worker", "refuses to start");
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("deploy secrets set"),
        "{refused}"
    );
    let worker = step(&report, "worker", "SQS batch");
    assert!(
        worker["detail"]
            .as_str()
            .unwrap()
            .contains(r#"result pushed: "42\n""#),
        "{worker}"
    );
}

#[test]
fn prod_with_filled_secrets_passes_on_gemini() {
    let report = assert_passes(&["--stack", "prod", "--secrets", "filled"]);
    let health = step(&report, "api", "GET /health");
    assert!(
        health["detail"]
            .as_str()
            .unwrap()
            .contains(r#""analysis":"gemini""#),
        "{health}"
    );
}

#[test]
fn dev_with_empty_secrets_passes_through_search() {
    let report = assert_passes(&["--stack", "dev"]);
    assert_eq!(step(&report, "api", "GET /search finds")["ok"], true);
    assert_eq!(step(&report, "migrate", "upgrade")["ok"], true);
}

#[test]
fn a_broken_function_environment_fails_the_rehearsal_naming_it() {
    let (output, report) = rehearse(&[
        "--stack",
        "prod",
        "--unset",
        "worker:WEBSOCKET_MANAGEMENT_URL",
    ]);
    assert!(!output.status.success());
    let failed = failures(&report);
    assert!(
        failed.iter().any(
            |f| f.contains("\"worker\" \"environment fits the contract\"")
                && f.contains("WEBSOCKET_MANAGEMENT_URL is not set")
        ),
        "{failed:#?}"
    );
    // The binary itself stops at start-up naming the same variable.
    assert!(
        failed
            .iter()
            .any(|f| f.contains("exited") && f.contains("WEBSOCKET_MANAGEMENT_URL")),
        "{failed:#?}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the rehearsal failed: worker environment fits the contract"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_stack_or_function_is_refused_in_one_line() {
    let output = Command::new(env!("CARGO_BIN_EXE_deploy"))
        .args(["rehearse", "--stack", "nope"])
        .env("CODE_REMOTE_ROOT", repo())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("nope"));
    let output = Command::new(env!("CARGO_BIN_EXE_deploy"))
        .args(["rehearse", "--stack", "dev", "--unset", "lambda:X"])
        .env("CODE_REMOTE_ROOT", repo())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("no function \"lambda\""));
}

#[test]
fn dev_on_the_offline_embedder_loads_the_model_from_its_layer_and_searches() {
    let stacks = tempfile::tempdir().unwrap();
    let dev = std::fs::read_to_string(repo().join("stacks/dev.yaml"))
        .unwrap()
        .replace(
            "code-remote:embeddingDimensions: 768",
            "code-remote:embeddingDimensions: 384\n  code-remote:embedder: minilm",
        );
    assert!(dev.contains("embedder: minilm"));
    std::fs::write(stacks.path().join("dev.yaml"), dev).unwrap();
    let dir = stacks.path().to_str().unwrap();
    let report = assert_passes(&["--stack", "dev", "--stacks-dir", dir]);
    let health = step(&report, "api", "GET /health");
    assert!(
        health["detail"]
            .as_str()
            .unwrap()
            .contains(r#""embedder":"minilm/384""#),
        "{health}"
    );
    assert_eq!(step(&report, "api", "GET /search finds")["ok"], true);
    assert_eq!(
        step(&report, "sync-worker", "SQS batch")["ok"],
        true,
        "the sync worker embedded with the model"
    );
}
