//! The API fuzzed against its own OpenAPI document by Schemathesis (PyPI), over a real socket
//! with a real user's token: no request may make a server error, and every disagreement
//! between the document and what the API does is counted and printed (target: none).
//!
//! Needs `schemathesis` in the project venv (`scripts/setup-venv`), or at `SCHEMATHESIS`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use code_remote_testkit::Stack;

/// Examples generated per operation and phase: enough to reach every validation branch of
/// the API's small bodies in about a minute on two cores.
const MAX_EXAMPLES: &str = "25";

fn schemathesis() -> PathBuf {
    std::env::var_os("SCHEMATHESIS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/schemathesis"),
        PathBuf::from,
    )
}

/// Failures in a JUnit report, by the check that failed (`ST101 Server error`, ...).
fn failures_by_check(report: &str) -> BTreeMap<String, Vec<String>> {
    let mut failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut testcase = "";
    for piece in report.split('<').skip(1) {
        if let Some(rest) = piece.strip_prefix("testcase ") {
            testcase = attribute(rest, "name").unwrap_or("?");
        } else if let Some(rest) = piece.strip_prefix("failure ") {
            let message = attribute(rest, "message").unwrap_or("?");
            let lines = message.split("&#10;");
            let check = lines
                .clone()
                .find_map(check_name)
                .unwrap_or_else(|| "unrecognised failure".to_owned());
            let detail: Vec<&str> = lines.map(str::trim).filter(|l| !l.is_empty()).collect();
            failures
                .entry(check)
                .or_default()
                .push(format!("{testcase}: {}", detail.join(" | ")));
        }
    }
    failures
}

fn attribute<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    element
        .split(&format!("{name}=\""))
        .nth(1)
        .and_then(|value| value.split('"').next())
}

/// `ST101 Server error` out of a line such as `- ST101 Server error`.
fn check_name(line: &str) -> Option<String> {
    let start = line.find("ST")?;
    let code = line.get(start..start + 5)?;
    code[2..]
        .chars()
        .all(|c| c.is_ascii_digit())
        .then(|| line[start..].trim().to_owned())
}

#[test]
fn failures_are_grouped_by_their_check() {
    let report = "<testsuite><testcase name=\"GET /search\"><failure type=\"failure\" message=\"1. Test Case ID: x&#10;&#10;- ST101 Server error&#10;&#10;[503] Service Unavailable\"/></testcase><testcase name=\"POST /execute\"><failure message=\"- ST202 Schema-valid request rejected&#10;x\"/></testcase></testsuite>";
    let failures = failures_by_check(report);
    assert_eq!(
        failures.keys().collect::<Vec<_>>(),
        ["ST101 Server error", "ST202 Schema-valid request rejected"]
    );
    assert!(failures["ST101 Server error"][0].starts_with("GET /search: "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn schemathesis_finds_no_server_error() {
    let binary = schemathesis();
    assert!(
        binary.is_file(),
        "schemathesis not found at {}: run scripts/setup-venv (or set SCHEMATHESIS)",
        binary.display()
    );
    let stack = Stack::start().await;
    let token = stack.token().await;
    let reports = tempfile::tempdir().expect("report dir");
    let junit = reports.path().join("junit.xml");
    let api_url = stack.api_url.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(binary)
            .args(["run", &format!("{api_url}/openapi.json")])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args(["--checks", "all", "--max-examples", MAX_EXAMPLES])
            // One worker: schemathesis's threads parse Python source concurrently (hypothesis
            // describing its filters), which CPython 3.11 before 3.11.8 can fail with a spurious
            // `SystemError: AST constructor recursion depth mismatch` (CPython gh-106905); a CI
            // run met it as a schemathesis "Runtime Error", which is no server error of ours.
            .args(["--workers", "1", "--request-timeout", "60"])
            .args(["--suppress-health-check", "all", "--no-color"])
            .args(["--report", "junit", "--report-junit-path"])
            .arg(&junit)
            .env("SCHEMATHESIS_HOOKS", "")
            .output()
            .map(|output| (output, std::fs::read_to_string(&junit).unwrap_or_default()))
    })
    .await
    .expect("the schemathesis task")
    .expect("schemathesis runs");
    let (output, report) = output;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !report.is_empty(),
        "schemathesis wrote no report: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let failures = failures_by_check(&report);
    let cases = stdout
        .lines()
        .skip_while(|line| !line.starts_with("Test cases:"))
        .nth(1)
        .unwrap_or("(no summary)")
        .trim();
    println!("schemathesis against /openapi.json: {cases}");
    println!("disagreements between the document and the API, by check:");
    if failures.is_empty() {
        println!("    none");
    } else {
        println!("{stdout}");
    }
    for (check, cases) in &failures {
        println!("    {check}: {}", cases.len());
        for case in cases.iter().take(3) {
            println!("        {case}");
        }
    }
    let server_errors: Vec<_> = failures
        .iter()
        .filter(|(check, _)| check.starts_with("ST101") || check == &"unrecognised failure")
        .flat_map(|(_, cases)| cases)
        .collect();
    assert!(
        server_errors.is_empty(),
        "server errors: {server_errors:#?}"
    );
}
