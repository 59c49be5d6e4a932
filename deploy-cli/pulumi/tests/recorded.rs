//! The driver on recorded Pulumi output (`deploy-cli/tests/data`), through the real external-tool
//! helper: `PULUMI` points at a script that replays the recordings.

use std::path::PathBuf;

use code_remote_pulumi::{
    PreviewDigest, PreviewOptions, ProgressLine, Pulumi, PulumiError, PulumiSettings, ToolError,
    UpOptions,
};

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data")
}

fn driver(up_file: &str, extra: &[(&str, &str)]) -> (Pulumi, tempfile::TempDir) {
    std::env::set_var("PULUMI", data().join("fake-pulumi"));
    let dir = tempfile::tempdir().unwrap();
    let config_file = dir.path().join("dev.yaml");
    std::fs::write(&config_file, "config: {}\n").unwrap();
    let mut env = vec![("FAKE_PULUMI_UP".to_owned(), up_file.to_owned())];
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let settings = PulumiSettings {
        program_dir: dir.path().to_owned(),
        config_file,
        stack: "dev".to_owned(),
        release: "v1.4.0".to_owned(),
        backend: None,
        secrets_provider: None,
        create: true,
        env,
    };
    (Pulumi::new(settings), dir)
}

#[test]
fn preview_becomes_a_diff_table_riskiest_first() {
    let (pulumi, _dir) = driver("up-events.jsonl", &[]);
    pulumi.login_and_select().unwrap();
    let digest = pulumi.preview(&PreviewOptions::default()).unwrap();
    assert!(digest.has_changes());
    let rows: Vec<(String, String, String)> = digest
        .changes()
        .into_iter()
        .map(|row| (row.op, row.name, row.reasons))
        .collect();
    assert_eq!(
        rows,
        [
            (
                "replace".into(),
                "executionDlq".into(),
                "name, fifoQueue".into()
            ),
            ("delete".into(), "legacyWorkerLogs".into(), String::new()),
            ("update".into(), "api".into(), "code".into()),
            ("update".into(), "migrate".into(), "code".into()),
            ("create".into(), "migrateErrors".into(), String::new()),
        ]
    );
    let table = digest.to_string();
    assert!(
        table.contains("resources: 1 create, 1 delete, 1 replace, 141 same, 2 update"),
        "{table}"
    );
    assert!(
        table.contains("warning: aws:s3/bucketV2:BucketV2 is deprecated"),
        "{table}"
    );
    assert_eq!(digest.duration, 5_123_456_789);
}

#[test]
fn an_empty_preview_says_so() {
    let digest = PreviewDigest::parse(r#"{"changeSummary":{"same":12}}"#).unwrap();
    assert!(!digest.has_changes());
    assert!(digest.to_string().starts_with("no infrastructure changes"));
}

#[test]
fn up_streams_progress_and_ends_with_the_summary() {
    let (pulumi, _dir) = driver("up-events.jsonl", &[]);
    let mut lines = Vec::new();
    let summary = pulumi
        .up(&UpOptions::default(), |line| lines.push(line.clone()))
        .unwrap();
    assert_eq!(
        lines.first(),
        Some(&ProgressLine::Started(
            "update aws:lambda/function:Function api".to_owned()
        ))
    );
    assert_eq!(summary.progress.started, 3);
    assert_eq!(summary.progress.finished, 3);
    let engine = summary.progress.summary.unwrap();
    assert_eq!(engine.resource_changes["update"], 2);
    assert!(
        !lines
            .iter()
            .any(|line| matches!(line, ProgressLine::Message(_))),
        "ephemeral and info lines are not shown"
    );
}

#[test]
fn a_failed_update_names_the_resource_and_the_provider_error() {
    let (pulumi, _dir) = driver("up-failed-events.jsonl", &[]);
    let mut failed = Vec::new();
    let error = pulumi
        .up(&UpOptions::default(), |line| {
            if let ProgressLine::Failed(what) = line {
                failed.push(what.clone());
            }
        })
        .unwrap_err();
    assert_eq!(
        failed,
        ["create aws:cloudwatch/metricAlarm:MetricAlarm migrateErrors"]
    );
    let message = error.to_string();
    assert!(
        message.starts_with(
            "pulumi up failed: create aws:cloudwatch/metricAlarm:MetricAlarm migrateErrors failed"
        ),
        "{message}"
    );
    assert!(
        message.contains("ValidationError: Period must be"),
        "{message}"
    );
}

#[test]
fn a_refresh_preview_says_what_changed_outside_pulumi() {
    let (pulumi, _dir) = driver("up-events.jsonl", &[]);
    assert!(pulumi.drift().unwrap().drift().is_empty());
    let (pulumi, _dir) = driver(
        "up-events.jsonl",
        &[("FAKE_PULUMI_REFRESH", "refresh-drift.json")],
    );
    let drift = pulumi.drift().unwrap().drift();
    assert_eq!(drift.unnamed, 0);
    let rows: Vec<(String, String, String)> = drift
        .resources
        .into_iter()
        .map(|row| (row.op, row.name, row.reasons))
        .collect();
    assert_eq!(
        rows,
        [
            ("changed".into(), "api".into(), "memorySize".into()),
            // A provider without a detailed diff: the states differ, no reasons given.
            ("changed".into(), "executionQueue".into(), String::new()),
            ("deleted".into(), "apiErrors".into(), String::new()),
        ]
    );
}

#[test]
fn drift_counted_but_not_named_is_still_drift() {
    // Pulumi versions that list a refresh's steps before reading the cloud name nothing, but
    // their change summary counts what changed.
    let digest = PreviewDigest::parse(
        r#"{"steps":[{"op":"refresh","urn":"urn:pulumi:dev::code-remote::aws:sqs/queue:Queue::q"}],
            "changeSummary":{"same":140,"update":2,"delete":1}}"#,
    )
    .unwrap();
    let drift = digest.drift();
    assert!(drift.resources.is_empty());
    assert_eq!((drift.unnamed, drift.len()), (3, 3));
    assert!(
        drift.to_string().contains("3 more changed outside Pulumi"),
        "{drift}"
    );
    let clean = PreviewDigest::parse(r#"{"changeSummary":{"same":140}}"#).unwrap();
    assert!(clean.drift().is_empty());
}

#[test]
fn the_projects_stacks_are_listed_with_their_last_update() {
    let (pulumi, _dir) = driver("up-events.jsonl", &[]);
    let stacks = pulumi.stacks().unwrap();
    let names: Vec<&str> = stacks.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["dev", "pr-7", "pr-8", "pr-9", "prod"]);
    assert_eq!(
        stacks[0].last_update.as_deref(),
        Some("2026-01-05T09:12:44.481Z")
    );
    assert_eq!(stacks[3].last_update, None, "an update in progress");
}

#[test]
fn outputs_are_typed_and_function_names_resolved() {
    let (pulumi, _dir) = driver("up-events.jsonl", &[("FAKE_PULUMI_PREFIX", "code-remote")]);
    let outputs = pulumi.outputs().unwrap();
    assert_eq!(outputs.artifacts_bucket, "code-remote-dev-artifacts");
    assert_eq!(
        outputs.function_name("sync-worker"),
        Some("code-remote-dev-sync-worker")
    );
    assert_eq!(outputs.get("userPoolId"), Some("us-east-1_AbCdEf123"));
}

#[test]
fn not_logged_in_is_one_clear_line() {
    let (pulumi, _dir) = driver("up-events.jsonl", &[("FAKE_PULUMI_LOGGED_OUT", "1")]);
    let error = pulumi.login_and_select().unwrap_err();
    assert!(matches!(error, PulumiError::NotLoggedIn));
    assert!(!error.to_string().contains('\n'));
    assert!(error.to_string().contains("pulumi login"));
}

#[test]
fn an_unknown_command_fails_with_the_command_line_and_stderr() {
    let (pulumi, dir) = driver("up-events.jsonl", &[]);
    std::fs::remove_file(dir.path().join("dev.yaml")).unwrap();
    assert!(matches!(
        pulumi.check_installed(),
        Err(PulumiError::NoStackFile(_))
    ));
    let tool = code_remote_pulumi::Tool::new("pulumi", "PULUMI", "install pulumi");
    match tool.run(&["import", "x"], dir.path(), &[]) {
        Err(ToolError::Failed {
            command,
            code,
            stderr,
        }) => {
            assert!(command.ends_with("fake-pulumi import x"), "{command}");
            assert_eq!(code, 2);
            assert_eq!(stderr, "fake-pulumi: unrecorded command: import x");
        }
        other => panic!("unexpected {other:?}"),
    }
}
