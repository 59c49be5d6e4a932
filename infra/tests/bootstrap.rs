//! The account bootstrap programs of the committed settings: they pass the schema and policy
//! checks the stacks pass, trust only this repository's environments, and keep every deploy
//! role's IAM rights off the bootstrap's own roles.

mod common;

use code_remote_infra::bootstrap::{self, Access, BootstrapConfig};
use code_remote_infra::check::{self, policy, Target};
use code_remote_infra::model::{Program, Value};
use code_remote_infra::render::{render, Format};

fn built(account: &str) -> (BootstrapConfig, Program) {
    let config = BootstrapConfig::load(&common::stacks_dir(), account).unwrap();
    let program = bootstrap::build(&config).unwrap();
    (config, program)
}

fn target(config: &BootstrapConfig, program: &Program) -> Target {
    Target {
        stack: program.stack.clone(),
        region: config.region.clone(),
    }
}

/// A resource property as the rendered JSON program has it.
fn json(program: &Program, resource: &str, property: &str) -> String {
    let rendered = render(program, Format::Json).unwrap();
    let document: serde_json::Value = serde_json::from_str(&rendered).unwrap();
    document["resources"][resource]["properties"][property].to_string()
}

/// Replaces the string `from` wherever it stands in `value`.
fn replace(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::Str(text) if text == from => *text = to.to_owned(),
        Value::List(items) | Value::Concat(items) => {
            items.iter_mut().for_each(|item| replace(item, from, to))
        }
        Value::Map(entries) => entries
            .values_mut()
            .for_each(|item| replace(item, from, to)),
        Value::ToJson(inner) | Value::Secret(inner) => replace(inner, from, to),
        _ => {}
    }
}

#[test]
fn both_accounts_pass_every_check() {
    for account in ["dev", "prod"] {
        let (config, program) = built(account);
        let report = check::run_for(&program, &target(&config, &program)).unwrap();
        assert!(report.passed(), "{account}:\n{report}");
        for output in ["backendUrl", "secretsProvider", "stateBucket", "roleArns"] {
            assert!(program.outputs.contains_key(output), "{account}: {output}");
        }
    }
}

#[test]
fn each_environment_role_trusts_only_its_environment_of_this_repository() {
    let (config, program) = built("prod");
    assert_eq!(config.environments["prod"].access, Access::Deploy);
    assert_eq!(config.environments["prod-preview"].access, Access::Preview);
    let trust = json(&program, "githubProdRole", "assumeRolePolicy");
    assert!(
        trust.contains(r#""token.actions.githubusercontent.com:sub":"repo:code-remote/code-remote:environment:prod""#),
        "{trust}"
    );
    assert!(trust.contains("sts:AssumeRoleWithWebIdentity"), "{trust}");
    let preview = &program.resources["githubProdPreviewRoleAccess"];
    assert_eq!(
        preview.get("policyArn"),
        Some(&Value::from("arn:aws:iam::aws:policy/ReadOnlyAccess"))
    );
    let preview_policy = json(&program, "githubProdPreviewRolePolicy", "policy");
    assert!(!preview_policy.contains("iam:"), "{preview_policy}");
}

#[test]
fn deploy_roles_reach_their_stacks_roles_but_never_the_bootstraps() {
    let (_, dev) = built("dev");
    let policy = json(&dev, "githubDevRolePolicy", "policy");
    for reachable in [":role/code-remote-dev-*", ":policy/code-remote-dev-*"] {
        assert!(policy.contains(reachable), "{reachable} in {policy}");
    }
    assert!(!policy.contains("code-remote-pr-"), "{policy}");
    let review = json(&dev, "githubReviewRolePolicy", "policy");
    assert!(review.contains(":role/code-remote-pr-*"), "{review}");
    assert!(!review.contains("code-remote-dev-"), "{review}");
    for role in dev.of_type("aws:iam/role:Role") {
        let name = role.get("name").and_then(Value::as_str).unwrap_or_default();
        if name.starts_with("code-remote-") {
            assert!(name.starts_with("code-remote-bootstrap-dev-"), "{name}");
        }
    }
    let (_, prod) = built("prod");
    let policy = json(&prod, "githubProdRolePolicy", "policy");
    assert!(policy.contains(":role/code-remote-prod-*"), "{policy}");
    assert!(!policy.contains("code-remote-dev-"), "{policy}");
}

#[test]
fn a_broad_policy_on_a_role_any_repository_may_assume_is_rejected() {
    let (config, mut program) = built("dev");
    let role = program.resources.get_mut("githubDevRole").unwrap();
    let trust = role.properties.get_mut("assumeRolePolicy").unwrap();
    replace(
        trust,
        "repo:code-remote/code-remote:environment:dev",
        "repo:*",
    );
    let findings = policy::roles_name_concrete_resources(&program, &target(&config, &program));
    assert!(
        findings
            .iter()
            .any(|f| f.path.contains("githubDevRoleAccess")),
        "{findings:#?}"
    );
}

#[test]
fn bad_settings_name_the_key() {
    let path = std::path::Path::new("bootstrap-dev.yaml");
    let parse = |account: &str, text: &str| BootstrapConfig::parse(account, text, path);
    let ok = "config:\n  aws:region: eu-west-1\n  code-remote:repository: a/b\n  code-remote:environments:\n    dev: {access: deploy, stacks: [dev]}\n";
    assert!(parse("dev", ok).is_ok());
    let err = parse("staging", ok).unwrap_err().to_string();
    assert!(err.contains("dev or prod"), "{err}");
    let err = parse("dev", &ok.replace("a/b", "a b/c"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("code-remote:repository"), "{err}");
    let err = parse("dev", &ok.replace("    dev:", "    \"x y\":"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("code-remote:environments"), "{err}");
    let err = parse("dev", &ok.replace("deploy", "admin"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("admin"), "{err}");
    let err = parse("dev", &ok.replace(", stacks: [dev]", ""))
        .unwrap_err()
        .to_string();
    assert!(err.contains("names the stacks it deploys"), "{err}");
    let err = parse("dev", &ok.replace("[dev]", "[\"*\"]"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("names the stacks it deploys"), "{err}");
}

#[test]
fn dev_lets_prods_role_read_its_artifacts_for_promotion() {
    let prod_role = "arn:aws:iam::210987654321:role/code-remote-bootstrap-prod-github-prod";
    let text = std::fs::read_to_string(common::stacks_dir().join("dev.yaml")).unwrap();
    let with_reader = format!("{text}  code-remote:promotionReaders:\n    - {prod_role}\n");
    let path = std::path::Path::new("dev.yaml");
    let config = code_remote_infra::StackConfig::parse("dev", &with_reader, path).unwrap();
    let program = code_remote_infra::stack::build(&config, common::RELEASE).unwrap();
    let policy = json(&program, "artifactsBucketPolicy", "policy");
    assert!(policy.contains(prod_role), "{policy}");
    assert!(
        policy.contains("s3:GetObject") && policy.contains("s3:ListBucket"),
        "{policy}"
    );
    assert!(!policy.contains("s3:PutObject"), "read only: {policy}");
    let report = check::run(&program, &config).unwrap();
    assert!(report.passed(), "{report}");
    // Without readers there is no policy at all.
    let (_, plain) = common::program("dev");
    assert!(!plain.resources.contains_key("artifactsBucketPolicy"));
    let bad = format!("{text}  code-remote:promotionReaders:\n    - \"*\"\n");
    let err = code_remote_infra::StackConfig::parse("dev", &bad, path).unwrap_err();
    assert!(
        err.to_string().contains("code-remote:promotionReaders"),
        "{err}"
    );
}
