//! `deploy migrate --stack S` and `deploy preview`'s pending migrations, driving the built binary
//! against moto's Lambda with the Pulumi CLI replaced by recorded output. moto runs no handler:
//! the migrate function's answers are queued (`/moto-api/static/lambda-simple/response`), and
//! with none queued it echoes the request, which must be refused rather than read as a result.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use code_remote_migrations::remote::MigrateResult;
use code_remote_migrations::{Dialect, History, Source};
use code_remote_moto::MotoServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ROLE: &str = "arn:aws:iam::123456789012:role/code-remote-lambda";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// One request to moto over plain HTTP/1.1 (moto checks no signatures, only the service named
/// in the credential scope); panics on a non-2xx answer.
async fn moto(server: &MotoServer, path: &str, service: &str, content_type: &str, body: &str) {
    let address = server.url().trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: {content_type}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer.split_whitespace().nth(1).unwrap_or_default();
    assert!(status.starts_with('2'), "{path}: {answer}");
}

fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A moto server holding what `pulumi up` would have made for the migrate function of `dev`
/// (named `t-dev-migrate`, as the recorded outputs say with `FAKE_PULUMI_PREFIX=t`).
async fn stack_with_migrate_function() -> MotoServer {
    let server = MotoServer::start()
        .await
        .expect("moto_server (run scripts/setup-venv)");
    moto(
        &server,
        "/moto-api/config",
        "lambda",
        "application/json",
        r#"{"lambda":{"use_docker":false}}"#,
    )
    .await;
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    moto(
        &server,
        "/",
        "iam",
        "application/x-www-form-urlencoded",
        &format!(
            "Action=CreateRole&Version=2010-05-08&RoleName=code-remote-lambda&AssumeRolePolicyDocument={}",
            form_encode(policy)
        ),
    )
    .await;
    let function = serde_json::json!({
        "FunctionName": "t-dev-migrate",
        "Runtime": "provided.al2023",
        "Role": ROLE,
        "Handler": "bootstrap",
        // base64 of "migrate zip": moto runs nothing, the bytes only need to be there.
        "Code": {"ZipFile": "bWlncmF0ZSB6aXA="},
        "Publish": true,
    });
    moto(
        &server,
        "/2015-03-31/functions",
        "lambda",
        "application/json",
        &function.to_string(),
    )
    .await;
    moto(
        &server,
        "/2015-03-31/functions/t-dev-migrate/aliases",
        "lambda",
        "application/json",
        r#"{"Name":"live","FunctionVersion":"1"}"#,
    )
    .await;
    server
}

/// Queues the answers of the next invocations.
async fn queue(server: &MotoServer, results: &[serde_json::Value]) {
    let results: Vec<String> = results.iter().map(ToString::to_string).collect();
    let body = serde_json::json!({"results": results, "region": "us-east-1"});
    moto(
        server,
        "/moto-api/static/lambda-simple/response",
        "lambda",
        "application/json",
        &body.to_string(),
    )
    .await;
}

/// A checkout with `stacks/dev.yaml` and a built release `v9.9.9` (for `preview`).
fn workspace() -> tempfile::TempDir {
    let work = tempfile::tempdir().unwrap();
    let release = work.path().join("target/release-artifacts/v9.9.9");
    std::fs::create_dir_all(&release).unwrap();
    std::fs::write(release.join("api.zip"), b"api").unwrap();
    std::fs::write(
        release.join("manifest.json"),
        r#"{"version":"v9.9.9","commit":"abc","artifacts":[{"name":"api.zip","sha256":"a7b1e44c2b85d7f7e2d8fa2b7c9f8fba7d9f1ce4b0b1e0b93d3a4d3b8b2ac4c4","size":3}]}"#,
    )
    .unwrap();
    std::fs::create_dir_all(work.path().join("stacks")).unwrap();
    std::fs::create_dir_all(work.path().join("infra")).unwrap();
    std::fs::write(work.path().join("stacks/dev.yaml"), "config: {}\n").unwrap();
    work
}

fn deploy(root: &Path, server: &MotoServer, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_deploy"))
        .args(args)
        .env("CODE_REMOTE_ROOT", root)
        .env("PULUMI", repo().join("deploy-cli/tests/data/fake-pulumi"))
        .env("FAKE_PULUMI_PREFIX", "t")
        .env("AWS_ENDPOINT_URL", server.url())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .env_remove("DATABASE_URL")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The PostgreSQL revision ids this binary carries, base first.
fn postgres_ids() -> Vec<String> {
    History::load(&Source::embedded(Dialect::Postgres))
        .unwrap()
        .revisions()
        .iter()
        .map(|r| r.id.to_string())
        .collect()
}

/// A status answer: PostgreSQL one revision behind this binary's head.
fn one_behind() -> serde_json::Value {
    let ids = postgres_ids();
    serde_json::json!({"status": "ok", "databases": [
        {"database": "postgres", "applied": [], "head": ids[ids.len() - 2]}
    ]})
}

#[tokio::test]
async fn migrate_status_on_a_cloud_stack_reads_the_lambdas_result_and_refuses_an_echo() {
    let server = stack_with_migrate_function().await;
    let work = workspace();
    let ids = postgres_ids();
    let (behind, head) = (&ids[ids.len() - 2], &ids[ids.len() - 1]);

    queue(&server, &[one_behind(), one_behind()]).await;
    let output = deploy(
        work.path(),
        &server,
        &["migrate", "status", "--stack", "dev"],
    );
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        stdout.contains("status on dev (migrate Lambda, live): ok"),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("head: {behind}")), "{stdout}");
    assert!(
        stdout.contains(&format!("postgres at {behind}: 1 pending ({head})")),
        "{stdout}"
    );

    let output = deploy(
        work.path(),
        &server,
        &["migrate", "status", "--stack", "dev", "--json"],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let printed: MigrateResult = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed, serde_json::from_value(one_behind()).unwrap());

    // Nothing queued: moto echoes the request, which is not a result.
    let output = deploy(
        work.path(),
        &server,
        &["migrate", "status", "--stack", "dev"],
    );
    assert_eq!(output.status.code(), Some(4), "{}", text(&output.stdout));
    assert!(
        text(&output.stderr).contains("not a migration result"),
        "{}",
        text(&output.stderr)
    );
    assert!(output.stdout.is_empty());

    // A reported failure is printed and fails the command.
    let failed = serde_json::json!({"status": "failed", "databases": [
        {"database": "postgres", "applied": [], "head": behind,
         "error": "0099_x.sql: statement 1 failed: boom\n  statement: SELECT boom"}
    ]});
    queue(&server, &[failed]).await;
    let output = deploy(
        work.path(),
        &server,
        &["migrate", "upgrade", "--stack", "dev"],
    );
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("upgrade on dev (migrate Lambda, live): FAILED"),
        "{stdout}"
    );
    assert!(
        stdout.contains("error: 0099_x.sql: statement 1 failed: boom"),
        "{stdout}"
    );
}

#[tokio::test]
async fn preview_lists_pending_migrations_from_the_lambda_and_says_when_it_cannot() {
    let server = stack_with_migrate_function().await;
    let work = workspace();
    let ids = postgres_ids();
    let (behind, head) = (&ids[ids.len() - 2], &ids[ids.len() - 1]);
    let args = ["preview", "--stack", "dev", "--release", "v9.9.9"];

    queue(&server, &[one_behind()]).await;
    let output = deploy(work.path(), &server, &args);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(stdout.contains("pending migrations:\n"), "{stdout}");
    assert!(
        stdout.contains(&format!("postgres at {behind}: 1 pending ({head})")),
        "{stdout}"
    );

    // moto's echo: the plan says the migrations are unknown, and why, instead of "none".
    let output = deploy(work.path(), &server, &args);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        stdout.contains("pending migrations: unknown (the migrate Lambda answered with something that is not a migration result"),
        "{stdout}"
    );
}
