//! The `deploy` binary's cloud-stack commands: exit codes and one-line messages for missing
//! tools and credentials, and `preview` end to end on recorded Pulumi output with moto behind it.

use std::path::PathBuf;
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn deploy(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_deploy"));
    command
        .args(args)
        .env("CODE_REMOTE_ROOT", repo())
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_PROFILE")
        .env_remove("GITHUB_STEP_SUMMARY");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

fn one_line(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    stderr
}

/// A workspace with release v9.9.9 built (one zip and its manifest) and empty `stacks/` and
/// `infra/`, for commands that preview with recorded Pulumi output.
fn preview_workspace() -> tempfile::TempDir {
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
    work
}

/// [`preview_workspace`] with the committed `stacks/dev.yaml` (review stacks derive from it).
fn workspace_with_dev() -> tempfile::TempDir {
    let work = preview_workspace();
    std::fs::copy(
        repo().join("stacks/dev.yaml"),
        work.path().join("stacks/dev.yaml"),
    )
    .unwrap();
    work
}

fn fake_pulumi() -> String {
    repo()
        .join("deploy-cli/tests/data/fake-pulumi")
        .display()
        .to_string()
}

#[test]
fn missing_pulumi_exits_5_with_one_line() {
    let output = deploy(
        &["preview", "--stack", "dev", "--release", "v1.0.0"],
        &[("PULUMI", "/nonexistent/pulumi")],
    );
    assert_eq!(output.status.code(), Some(5));
    assert!(one_line(&output).starts_with("error: pulumi not found: install the Pulumi CLI"));
}

#[test]
fn missing_cargo_lambda_exits_5_with_one_line() {
    let output = deploy(
        &["build", "--release", "v1.0.0"],
        &[("CARGO_LAMBDA", "/nonexistent/cargo-lambda")],
    );
    assert_eq!(output.status.code(), Some(5));
    assert!(
        one_line(&output).starts_with("error: cargo-lambda not found: pip install cargo-lambda")
    );
}

#[test]
fn missing_aws_credentials_exit_5_with_one_line() {
    let output = deploy(
        &["up", "--stack", "dev", "--release", "v1.0.0", "--yes"],
        &[("PULUMI", &fake_pulumi())],
    );
    assert_eq!(output.status.code(), Some(5));
    assert!(one_line(&output).starts_with("error: no AWS credentials: "));
}

#[test]
fn not_logged_in_to_pulumi_exits_5() {
    let output = deploy(
        &["outputs", "--stack", "dev"],
        &[("PULUMI", &fake_pulumi()), ("FAKE_PULUMI_LOGGED_OUT", "1")],
    );
    assert_eq!(output.status.code(), Some(5));
    assert!(one_line(&output).contains("not logged in to a Pulumi backend: run `pulumi login`"));
}

#[test]
fn refusals_exit_3_and_usage_errors_exit_2() {
    let prod = deploy(&["destroy", "--stack", "prod"], &[]);
    assert_eq!(prod.status.code(), Some(3));
    assert!(one_line(&prod).contains("--i-really-mean-prod"));
    let bad = deploy(&["up", "--stack", "dev", "--release", "../etc"], &[]);
    assert_eq!(bad.status.code(), Some(3));
    let usage = deploy(&["promote"], &[]);
    assert_eq!(usage.status.code(), Some(2));
}

/// Runs `deploy` in `work` against moto and the recorded Pulumi CLI.
fn deploy_in(
    work: &std::path::Path,
    moto: &code_remote_moto::MotoServer,
    args: &[&str],
    env: &[(&str, &std::ffi::OsStr)],
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_deploy"));
    command
        .args(args)
        .env("CODE_REMOTE_ROOT", work)
        .env("PULUMI", fake_pulumi())
        .env("AWS_ENDPOINT_URL", moto.url())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("PULUMI_CONFIG_PASSPHRASE")
        .env_remove("CODE_REMOTE_SECRETS_PROVIDER");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn preview_prints_the_plan_from_recorded_output_and_writes_the_step_summary() {
    let moto = code_remote_moto::MotoServer::start()
        .await
        .expect("moto_server (run scripts/setup-venv)");
    let work = preview_workspace();
    std::fs::write(work.path().join("stacks/dev.yaml"), "config: {}\n").unwrap();
    let summary = work.path().join("summary.md");
    let started = std::time::Instant::now();
    let output = deploy_in(
        work.path(),
        &moto,
        &["preview", "--stack", "dev", "--release", "v9.9.9"],
        &[("GITHUB_STEP_SUMMARY", summary.as_os_str())],
    );
    let wall = started.elapsed();
    let stdout = succeeded(&output);
    assert!(stdout.contains("replace  aws:sqs/queue:Queue"), "{stdout}");
    assert!(
        stdout.contains("drift: none (the stack is as its last deploy left it)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("no release is live on this stack yet"),
        "{stdout}"
    );
    assert!(std::fs::read_to_string(&summary)
        .unwrap()
        .starts_with("### Preview of dev"));
    println!(
        "deploy preview wall time (debug build, recorded refresh and preview, moto): {} ms",
        wall.as_millis()
    );
}

#[tokio::test]
async fn preview_shows_drift_apart_from_the_release_change_and_saves_the_plan() {
    let moto = code_remote_moto::MotoServer::start()
        .await
        .expect("moto_server (run scripts/setup-venv)");
    let work = preview_workspace();
    std::fs::write(work.path().join("stacks/prod.yaml"), "config: {}\n").unwrap();
    let output = deploy_in(
        work.path(),
        &moto,
        &[
            "preview",
            "--stack",
            "prod",
            "--release",
            "v9.9.9",
            "--save-plan",
        ],
        &[("FAKE_PULUMI_REFRESH", "refresh-drift.json".as_ref())],
    );
    let stdout = succeeded(&output);
    let drift = stdout
        .find("drift: 3 resources changed outside Pulumi")
        .unwrap_or_else(|| panic!("{stdout}"));
    let change = stdout
        .find("change this release makes:")
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(drift < change, "{stdout}");
    let (drift_part, change_part) = stdout.split_at(change);
    assert!(drift_part.contains("memorySize"), "{stdout}");
    assert!(drift_part.contains("apiErrors"), "{stdout}");
    assert!(!drift_part.contains("executionDlq"), "{stdout}");
    assert!(change_part.contains("executionDlq"), "{stdout}");
    assert!(!change_part.contains("memorySize"), "{stdout}");
    let plans = work.path().join("target/release-plans/v9.9.9/prod");
    assert!(plans.join("pulumi-plan.json").is_file());
    let saved = std::fs::read_to_string(plans.join("preview.json")).unwrap();
    assert!(saved.contains("executionDlq"), "{saved}");
    assert!(
        !saved.contains("oldState"),
        "no resource state is kept: {saved}"
    );
}

#[tokio::test]
async fn a_new_stack_keeps_its_secrets_with_its_prefixs_key_even_on_a_fresh_checkout() {
    let moto = code_remote_moto::MotoServer::start()
        .await
        .expect("moto_server (run scripts/setup-venv)");
    let work = workspace_with_dev();
    let state = work.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let log = work.path().join("pulumi.log");
    let key = "awskms://alias/code-remote-bootstrap-dev-state-pr?region=eu-west-1";
    let preview = |stack: &str, provider: Option<&str>| {
        let mut env = vec![
            ("FAKE_PULUMI_LOG", log.as_os_str()),
            ("FAKE_PULUMI_STATE", state.as_os_str()),
        ];
        if let Some(provider) = provider {
            env.push(("CODE_REMOTE_SECRETS_PROVIDER", provider.as_ref()));
        }
        deploy_in(
            work.path(),
            &moto,
            &["preview", "--stack", stack, "--release", "v9.9.9"],
            &env,
        )
    };
    let working_copy = work.path().join("target/pulumi-stacks/pr-7.yaml");
    // What an earlier pr-7, in another account, left beside the program.
    let leftover = work.path().join("infra/Pulumi.pr-7.yaml");
    std::fs::write(
        &leftover,
        "secretsprovider: awskms://alias/elsewhere\nencryptedkey: b3RoZXI=\n",
    )
    .unwrap();

    succeeded(&preview("pr-7", Some(key)));
    assert!(std::fs::read_to_string(&leftover).unwrap().contains(key));
    let commands = std::fs::read_to_string(&log).unwrap();
    assert!(
        commands.contains(&format!(
            "stack select --create pr-7 --non-interactive --secrets-provider {key}"
        )),
        "{commands}"
    );
    let copy = std::fs::read_to_string(&working_copy).unwrap();
    assert!(
        copy.starts_with(&format!("secretsprovider: {key}\nencryptedkey: ")),
        "{copy}"
    );

    // A fresh checkout (no working copy) of an existing stack: no provider is given, and the
    // stack's own comes back from its state instead of a new passphrase.
    std::fs::remove_dir_all(work.path().join("target/pulumi-stacks")).unwrap();
    std::fs::remove_dir_all(work.path().join("target/review-stacks")).unwrap();
    succeeded(&preview("pr-7", None));
    let copy = std::fs::read_to_string(&working_copy).unwrap();
    assert!(
        copy.starts_with(&format!("secretsprovider: {key}")),
        "{copy}"
    );

    // Without a provider a new stack gets Pulumi's passphrase, which then must be given; an
    // empty one (GitHub's value for a missing secret) is not given at all.
    let passphrase = preview("pr-8", None);
    assert!(!passphrase.status.success());
    let stderr = String::from_utf8_lossy(&passphrase.stderr);
    assert!(stderr.contains("PULUMI_CONFIG_PASSPHRASE"), "{stderr}");
    let empty = deploy_in(
        work.path(),
        &moto,
        &["preview", "--stack", "pr-9", "--release", "v9.9.9"],
        &[
            ("FAKE_PULUMI_STATE", state.as_os_str()),
            ("PULUMI_CONFIG_PASSPHRASE", "".as_ref()),
        ],
    );
    assert!(!empty.status.success());
    let stderr = String::from_utf8_lossy(&empty.stderr);
    assert!(stderr.contains("PULUMI_CONFIG_PASSPHRASE"), "{stderr}");
    let known = || -> Vec<String> {
        std::fs::read_dir(&state)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert!(
        known().iter().all(|f| !f.ends_with("-pr-9.secrets")),
        "{:?}",
        known()
    );

    // Only preview and up create a review stack: a status of one that is not there is refused,
    // and destroying one that is gone (reaped, or never deployed) has nothing to do.
    let with_state = [
        ("FAKE_PULUMI_STATE", state.as_os_str()),
        ("FAKE_PULUMI_LOG", log.as_os_str()),
    ];
    let status = deploy_in(
        work.path(),
        &moto,
        &["status", "--stack", "pr-77"],
        &with_state,
    );
    assert_eq!(status.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&status.stderr).contains("stack `pr-77` is not in the backend"));
    let destroyed = deploy_in(
        work.path(),
        &moto,
        &["destroy", "--stack", "pr-78"],
        &with_state,
    );
    assert!(succeeded(&destroyed).contains("stack pr-78 is not in the backend: nothing to destroy"));
    let commands = std::fs::read_to_string(&log).unwrap();
    assert!(!commands.contains("destroy --yes"), "{commands}");
    assert!(!commands.contains("--create pr-77") && !commands.contains("--create pr-78"));
    assert!(
        known()
            .iter()
            .all(|f| !f.ends_with("-pr-77.secrets") && !f.ends_with("-pr-78.secrets")),
        "{:?}",
        known()
    );
}

#[tokio::test]
async fn bootstrap_applies_the_account_program_and_prints_each_environments_secrets() {
    let moto = code_remote_moto::MotoServer::start()
        .await
        .expect("moto_server (run scripts/setup-venv)");
    let work = preview_workspace();
    std::fs::create_dir_all(work.path().join("infra/bootstrap")).unwrap();
    for file in ["bootstrap-dev.yaml", "dev.yaml"] {
        std::fs::copy(
            repo().join("stacks").join(file),
            work.path().join("stacks").join(file),
        )
        .unwrap();
    }
    let log = work.path().join("pulumi.log");
    let state = work.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let output = deploy_in(
        work.path(),
        &moto,
        &[
            "bootstrap",
            "--account",
            "dev",
            "--backend",
            "file:///tmp/bootstrap-state",
            "--yes",
        ],
        &[
            ("FAKE_PULUMI_LOG", log.as_os_str()),
            ("FAKE_PULUMI_OUTPUTS", "bootstrap-outputs.json".as_ref()),
            ("FAKE_PULUMI_STATE", state.as_os_str()),
            // The bootstrap's own stack, in a file backend, keeps a passphrase.
            ("PULUMI_CONFIG_PASSPHRASE", "the bootstrap's".as_ref()),
        ],
    );
    let stdout = succeeded(&output);
    let providers: Vec<String> = std::fs::read_dir(&state)
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    assert_eq!(providers.len(), 2, "{providers:?}");
    assert!(
        providers.iter().any(|p| p.starts_with("encryptionsalt: ")),
        "the bootstrap's own stack: {providers:?}"
    );
    assert!(
        providers.iter().any(|p| p.starts_with(
            "secretsprovider: awskms://alias/code-remote-bootstrap-dev-state-dev?region=eu-west-1"
        )),
        "dev, in its folder with its key: {providers:?}"
    );
    for line in [
        "environment review:",
        "AWS_DEPLOY_ROLE_ARN=arn:aws:iam::123456789012:role/code-remote-bootstrap-dev-github-review",
        "PULUMI_BACKEND_URL=s3://code-remote-bootstrap-dev-state-123456789012-eu-west-1/pr?region=eu-west-1",
        "CODE_REMOTE_SECRETS_PROVIDER=awskms://alias/code-remote-bootstrap-dev-state-pr?region=eu-west-1",
        "environment dev:",
        "PULUMI_BACKEND_URL=s3://code-remote-bootstrap-dev-state-123456789012-eu-west-1/dev?region=eu-west-1",
    ] {
        assert!(stdout.contains(line), "{line} not in {stdout}");
    }
    let commands = std::fs::read_to_string(&log).unwrap();
    assert!(
        commands.contains("login file:///tmp/bootstrap-state"),
        "{commands}"
    );
    assert!(
        commands.contains("up --yes --skip-preview --json --stack dev"),
        "{commands}"
    );
    // The committed dev stack is created, empty, in its folder with its key; the review stacks
    // are created by their own deploys.
    let dev_state =
        "s3://code-remote-bootstrap-dev-state-123456789012-eu-west-1/dev?region=eu-west-1";
    let created = commands
        .find(&format!("login {dev_state} --non-interactive\nwhoami --non-interactive\nstack select --create dev --non-interactive --secrets-provider awskms://alias/code-remote-bootstrap-dev-state-dev?region=eu-west-1"))
        .unwrap_or_else(|| panic!("{commands}"));
    assert!(
        created > commands.find("up --yes").unwrap(),
        "after the bootstrap's own update: {commands}"
    );
    assert!(!commands.contains("select --create pr"), "{commands}");
    assert!(stdout.contains("stack dev is ready"), "{stdout}");
    assert!(
        work.path()
            .join("target/pulumi-stacks/bootstrap-dev.yaml")
            .is_file(),
        "Pulumi is given a working copy of the settings"
    );
    let bad = deploy_in(
        work.path(),
        &moto,
        &["bootstrap", "--account", "staging"],
        &[],
    );
    assert_eq!(bad.status.code(), Some(2));
}

#[tokio::test]
async fn reap_destroys_and_forgets_only_review_stacks_idle_past_their_ttl() {
    let moto = code_remote_moto::MotoServer::start()
        .await
        .expect("moto_server (run scripts/setup-venv)");
    let work = workspace_with_dev();
    let log = work.path().join("pulumi.log");
    let env = [("FAKE_PULUMI_LOG", log.as_os_str())];

    let dry = succeeded(&deploy_in(work.path(), &moto, &["reap", "--dry-run"], &env));
    assert!(
        dry.contains("pr-7: idle 100 hours: would be destroyed"),
        "{dry}"
    );
    let commands = std::fs::read_to_string(&log).unwrap();
    assert!(!commands.contains("destroy"), "{commands}");

    let reaped = succeeded(&deploy_in(work.path(), &moto, &["reap"], &env));
    assert!(
        reaped.contains("pr-7: idle 100 hours: destroyed"),
        "{reaped}"
    );
    for kept in ["pr-8", "pr-9", "dev:", "prod"] {
        assert!(!reaped.contains(kept), "{kept} in {reaped}");
    }
    let commands = std::fs::read_to_string(&log).unwrap();
    let changing: Vec<&str> = commands
        .lines()
        .filter(|line| line.starts_with("destroy") || line.starts_with("stack rm"))
        .collect();
    assert_eq!(changing.len(), 2, "{commands}");
    assert!(
        changing.iter().all(|line| line.contains("--stack pr-7 ")),
        "{commands}"
    );
    // The review stack's settings were derived from dev's, not committed.
    let derived =
        std::fs::read_to_string(work.path().join("target/review-stacks/pr-7.yaml")).unwrap();
    assert!(
        derived.contains("code-remote:reviewTtlHours: 72"),
        "{derived}"
    );
    assert!(!work.path().join("stacks/pr-7.yaml").exists());
}

#[tokio::test]
async fn secrets_are_listed_without_values_and_set_from_stdin_after_a_shape_check() {
    use std::io::Write;
    let moto = code_remote_moto::MotoServer::start()
        .await
        .expect("moto_server (run scripts/setup-venv)");
    let client = aws_sdk_secretsmanager::Client::new(&moto.sdk_config().await);
    let mut arns = Vec::new();
    for name in ["t-dev-gemini-api-key", "t-dev-neo4j"] {
        let created = client.create_secret().name(name).send().await.unwrap();
        arns.push(created.arn.unwrap());
    }
    let env = |command: &mut Command| {
        command
            .env("CODE_REMOTE_ROOT", repo())
            .env("PULUMI", fake_pulumi())
            .env("PULUMI_BACKEND_URL", "file://~")
            .env("FAKE_PULUMI_GEMINI_SECRET_ARN", &arns[0])
            .env("FAKE_PULUMI_NEO4J_SECRET_ARN", &arns[1])
            .env("AWS_ENDPOINT_URL", moto.url())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1");
    };
    let run = |args: &[&str], stdin: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_deploy"));
        command
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        env(&mut command);
        let mut child = command.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        let bytes = stdin.as_bytes().to_vec();
        // A value refused for its size is not read to its end: the write may break off.
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&bytes);
        });
        let output = child.wait_with_output().unwrap();
        writer.join().unwrap();
        output
    };
    let listed = run(&["secrets", "list", "--stack", "dev", "--json"], "");
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let states: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(states[0]["secret"], "gemini");
    assert_eq!(states[0]["set"], false);
    assert_eq!(states[1]["set"], false);

    let bad = run(
        &["secrets", "set", "--stack", "dev", "neo4j"],
        r#"{"password":"hunter2"}"#,
    );
    assert_eq!(bad.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("no uri") && !stderr.contains("hunter2"),
        "{stderr}"
    );

    let good = run(
        &["secrets", "set", "--stack", "dev", "neo4j"],
        r#"{"uri":"neo4j+s://x.databases.neo4j.io","username":"neo4j","password":"hunter2"}"#,
    );
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&good.stdout),
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(shown.contains("neo4j") && shown.contains("set"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
    let stored = client
        .get_secret_value()
        .secret_id(&arns[1])
        .send()
        .await
        .unwrap();
    assert!(stored.secret_string.unwrap().contains("hunter2"));

    let huge = "k".repeat(70 * 1024);
    let refused = run(&["secrets", "set", "--stack", "dev", "gemini"], &huge);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("over 65536 bytes"));

    let unknown = run(&["secrets", "set", "--stack", "dev", "openai"], "k");
    assert_eq!(unknown.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("gemini and neo4j"));
}

#[tokio::test]
async fn pulumi_rewriting_its_config_file_leaves_the_committed_stack_file_alone() {
    let moto = code_remote_moto::MotoServer::start()
        .await
        .expect("moto_server (run scripts/setup-venv)");
    let work = workspace_with_dev();
    let committed = work.path().join("stacks/dev.yaml");
    let original = std::fs::read_to_string(&committed).unwrap();
    let state = work.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    // Only review stacks are created by `deploy`: dev is the bootstrap's to create.
    let missing = deploy_in(
        work.path(),
        &moto,
        &["preview", "--stack", "dev", "--release", "v9.9.9"],
        &[("FAKE_PULUMI_STATE", state.as_os_str())],
    );
    assert_eq!(missing.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("stack `dev` is not in the backend") && stderr.contains("deploy bootstrap"),
        "{stderr}"
    );
    // A stack created long ago with a passphrase.
    let created = Command::new(fake_pulumi())
        .args(["stack", "select", "--create", "dev", "--non-interactive"])
        .env("FAKE_PULUMI_STATE", &state)
        .env("PULUMI_CONFIG_PASSPHRASE", "a passphrase")
        .output()
        .unwrap();
    assert!(created.status.success());
    let preview = || {
        let output = Command::new(env!("CARGO_BIN_EXE_deploy"))
            .args(["preview", "--stack", "dev", "--release", "v9.9.9"])
            .env("CODE_REMOTE_ROOT", work.path())
            .env("PULUMI", fake_pulumi())
            .env("FAKE_PULUMI_RESAVE", "1")
            .env("FAKE_PULUMI_STATE", &state)
            .env("PULUMI_CONFIG_PASSPHRASE", "a passphrase")
            .env("AWS_ENDPOINT_URL", moto.url())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::read_to_string(work.path().join("target/pulumi-stacks/dev.yaml")).unwrap()
    };
    let first = preview();
    assert!(first.starts_with("encryptionsalt: v1:"), "{first}");
    assert!(first.contains("code-remote:azCount: \"2\""), "{first}");
    // The next run starts again from the committed file, and the stack's salt comes back
    // from its state, not a new one.
    let second = preview();
    assert_eq!(
        first.lines().next(),
        second.lines().next(),
        "the stack's salt must be kept"
    );
    assert_eq!(std::fs::read_to_string(&committed).unwrap(), original);
    // What Pulumi left renders the same stack as the committed file.
    let parsed = code_remote_infra::StackConfig::parse("dev", &second, &committed).unwrap();
    assert_eq!(
        parsed,
        code_remote_infra::StackConfig::parse("dev", &original, &committed).unwrap()
    );
}
