//! Every IAM policy document of every program (the committed stacks, a review stack, both
//! account bootstraps) passes parliament's lint against AWS's IAM definitions
//! (`scripts/iam-lint.py`): moto does not enforce IAM, so an action AWS does not know, a resource
//! an action cannot take or a condition key an action lacks would otherwise first fail in AWS.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use code_remote_infra::bootstrap::{self, BootstrapConfig};
use code_remote_infra::render::{render, Format};
use code_remote_infra::{review, stack, Program, StackConfig};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs the linter on `programs`, written as JSON renders into a temporary directory.
fn lint(programs: &[(&str, &Program)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, program) in programs {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, render(program, Format::Json).unwrap()).unwrap();
        files.push(path);
    }
    let python = repo().join(".venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run scripts/setup-venv (it installs parliament)",
        python.display()
    );
    Command::new(python)
        .arg(repo().join("scripts/iam-lint.py"))
        .args(&files)
        .output()
        .unwrap()
}

fn all_programs() -> Vec<(String, Program)> {
    let mut programs: Vec<(String, Program)> = common::stack_names()
        .into_iter()
        .map(|name| {
            let (_, program) = common::program(&name);
            (name, program)
        })
        .collect();
    let dev = std::fs::read_to_string(common::stacks_dir().join("dev.yaml")).unwrap();
    let text = review::derive("pr-42", &dev).unwrap();
    let config = StackConfig::parse("pr-42", &text, Path::new("pr-42.yaml")).unwrap();
    programs.push((
        "pr-42".into(),
        stack::build(&config, common::RELEASE).unwrap(),
    ));
    for account in ["dev", "prod"] {
        let config = BootstrapConfig::load(&common::stacks_dir(), account).unwrap();
        programs.push((
            format!("bootstrap-{account}"),
            bootstrap::build(&config).unwrap(),
        ));
    }
    programs
}

#[test]
fn every_policy_document_passes_parliament() {
    let programs = all_programs();
    let named: Vec<(&str, &Program)> = programs.iter().map(|(n, p)| (n.as_str(), p)).collect();
    let output = lint(&named);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let documents: usize = stdout
        .rsplit_once("iam-lint: ")
        .and_then(|(_, tail)| tail.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stdout}"));
    // Each stack has a policy per function and more; each bootstrap one per environment, its
    // bucket, keys and boundary.
    assert!(documents >= 30, "{stdout}");
    println!("{}", stdout.trim_end());
}

#[test]
fn an_action_aws_does_not_have_or_a_key_it_does_not_take_is_found() {
    let (_, mut dev) = common::program("dev");
    let policy = dev.resources.get_mut("workerPolicy").unwrap();
    common::replace(
        policy.properties.get_mut("policy").unwrap(),
        "sqs:DeleteMessage",
        "sqs:DeleteMessages",
    );
    let config = BootstrapConfig::load(&common::stacks_dir(), "dev").unwrap();
    let mut bootstrap = bootstrap::build(&config).unwrap();
    let policy = bootstrap.resources.get_mut("githubDevRolePolicy").unwrap();
    // `iam:PassedToService` is a key of `iam:PassRole` only.
    common::replace(
        policy.properties.get_mut("policy").unwrap(),
        "iam:PassRole",
        "iam:TagRole",
    );
    let output = lint(&[("dev", &dev), ("bootstrap-dev", &bootstrap)]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(
        stdout.contains("workerPolicy.policy: UNKNOWN_ACTION"),
        "{stdout}"
    );
    assert!(
        stdout.contains("githubDevRolePolicy.policy: UNKNOWN_CONDITION_FOR_ACTION"),
        "{stdout}"
    );
}
