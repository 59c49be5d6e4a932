//! The account bootstrap programs of the committed settings: they pass the schema and policy
//! checks the stacks pass, trust only this repository's environments, keep every deploy role's
//! IAM rights off the bootstrap's own roles and under the permissions boundary, and keep each
//! stack prefix's state and key to the environments working on it.

mod common;

use code_remote_infra::bootstrap::{self, boundary, Access, BootstrapConfig};
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

/// A variable as the rendered JSON program has it.
fn json_variable(program: &Program, variable: &str) -> serde_json::Value {
    let rendered = render(program, Format::Json).unwrap();
    let document: serde_json::Value = serde_json::from_str(&rendered).unwrap();
    document["variables"][variable].clone()
}

/// A policy document property (`fn::toJSON`) as the rendered JSON program has it.
fn document(program: &Program, resource: &str, property: &str) -> serde_json::Value {
    let rendered = render(program, Format::Json).unwrap();
    let whole: serde_json::Value = serde_json::from_str(&rendered).unwrap();
    whole["resources"][resource]["properties"][property]["fn::toJSON"].clone()
}

/// The statements of a document that allow or deny `action` (as written, or through a list).
fn statements_with<'a>(doc: &'a serde_json::Value, action: &str) -> Vec<&'a serde_json::Value> {
    doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|statement| {
            let actions = &statement["Action"];
            actions == action
                || actions
                    .as_array()
                    .is_some_and(|all| all.iter().any(|a| a == action))
        })
        .collect()
}

#[test]
fn both_accounts_pass_every_check() {
    for account in ["dev", "prod"] {
        let (config, program) = built(account);
        let report = check::run_for(&program, &target(&config, &program)).unwrap();
        assert!(report.passed(), "{account}:\n{report}");
        for output in ["stateBucket", "boundaryArn", "environments"] {
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
    // The other prefix's names appear only in what is denied.
    assert!(!policy.contains(":role/code-remote-pr-"), "{policy}");
    let review = json(&dev, "githubReviewRolePolicy", "policy");
    assert!(review.contains(":role/code-remote-pr-*"), "{review}");
    assert!(!review.contains(":role/code-remote-dev-"), "{review}");
    assert!(!review.contains(":policy/code-remote-dev-"), "{review}");
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
fn deploy_roles_create_and_pass_only_bounded_roles_of_their_stacks() {
    let (_, dev) = built("dev");
    let policy = document(&dev, "githubDevRolePolicy", "policy");
    assert!(statements_with(&policy, "iam:*").is_empty(), "{policy:#}");
    for action in bootstrap::roles::BOUNDED_ROLE_ACTIONS {
        let found = statements_with(&policy, action);
        assert_eq!(found.len(), 1, "{action}: {policy:#}");
        assert_eq!(found[0]["Effect"], "Allow");
        assert_eq!(
            found[0]["Condition"]["ArnEquals"]["iam:PermissionsBoundary"],
            "${stackRoleBoundary.arn}",
            "{action}"
        );
        assert!(
            found[0]["Resource"]
                .to_string()
                .contains(":role/code-remote-dev-*"),
            "{action}"
        );
    }
    let pass = statements_with(&policy, "iam:PassRole");
    assert_eq!(pass.len(), 1, "{policy:#}");
    assert_eq!(
        pass[0]["Condition"]["StringEquals"]["iam:PassedToService"],
        serde_json::json!(["lambda.amazonaws.com", "apigateway.amazonaws.com"])
    );
    // It reads the boundary (the stacks look it up), and chains into no role.
    let read = statements_with(&policy, "iam:GetPolicyVersion");
    assert!(
        read.iter()
            .any(|s| s["Effect"] == "Allow" && s["Resource"][0] == "${stackRoleBoundary.arn}"),
        "{policy:#}"
    );
    let assume = statements_with(&policy, "sts:AssumeRole");
    assert_eq!(assume.len(), 1);
    assert_eq!(
        (
            assume[0]["Effect"].as_str(),
            assume[0]["Resource"][0].as_str()
        ),
        (Some("Deny"), Some("*"))
    );
    let unbound = statements_with(&policy, "iam:DeleteRolePermissionsBoundary");
    assert_eq!(unbound.len(), 1);
    assert_eq!(unbound[0]["Effect"], "Deny");
    for changed in ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"] {
        assert!(
            statements_with(&policy, changed)
                .iter()
                .any(|s| s["Effect"] == "Deny" && s["Resource"][0] == "${stackRoleBoundary.arn}"),
            "{changed}: {policy:#}"
        );
    }
    let (_, prod) = built("prod");
    let preview = document(&prod, "githubProdPreviewRolePolicy", "policy");
    assert!(!preview.to_string().contains("\"iam:"), "{preview:#}");
    // A preview reads prod's state and decrypts its secrets; it can neither rewrite the state
    // nor encrypt with the key.
    assert_eq!(
        statements_with(&preview, "s3:GetObject")[0]["Action"],
        serde_json::json!(["s3:GetObject"])
    );
    assert_eq!(
        statements_with(&preview, "kms:Decrypt")[0]["Action"],
        serde_json::json!(["kms:Decrypt", "kms:DescribeKey"])
    );
    for write in [
        "s3:PutObject",
        "s3:DeleteObject",
        "kms:Encrypt",
        "kms:GenerateDataKey",
    ] {
        assert!(
            statements_with(&preview, write).is_empty(),
            "{write}: {preview:#}"
        );
    }
}

#[test]
fn the_boundary_the_stacks_carry_is_the_one_the_bootstrap_declares() {
    let (_, bootstrap) = built("dev");
    let declared = &bootstrap.resources["stackRoleBoundary"];
    assert_eq!(declared.get("name"), Some(&Value::from(boundary::NAME)));
    let ceiling = document(&bootstrap, "stackRoleBoundary", "policy");
    let allowed = ceiling["Statement"][0]["Action"].as_array().unwrap();
    assert_eq!(allowed.len(), boundary::SERVICES.len());
    assert!(allowed.iter().all(|a| a.as_str().unwrap().ends_with(":*")));
    assert!(
        statements_with(&ceiling, "iam:*").is_empty() && !ceiling.to_string().contains("\"iam:")
    );
    let denied = |action: &str| {
        statements_with(&ceiling, action)
            .into_iter()
            .find(|s| s["Effect"] == "Deny")
            .unwrap_or_else(|| panic!("a Deny of {action}: {ceiling:#}"))
    };
    let no_state = denied("s3:*");
    assert_eq!(no_state["Resource"][0], "${stateBucket.arn}");
    let no_keys = denied("kms:*");
    assert_eq!(
        no_keys["Resource"],
        serde_json::json!(["${stateKeyDev.arn}", "${stateKeyPr.arn}"])
    );
    // The bootstrap's own API Gateway role carries it too.
    assert_eq!(
        json(&bootstrap, "apiGatewayLogsRole", "permissionsBoundary"),
        "\"${stackRoleBoundary.arn}\""
    );
    // Every role of every stack names it by the same name in its own account.
    for stack in common::stack_names() {
        let (config, program) = common::program(&stack);
        let mut roles = 0;
        for role in program.of_type("aws:iam/role:Role") {
            roles += 1;
            assert_eq!(
                json(&program, &role.name, "permissionsBoundary"),
                "\"${permissionsBoundary}\"",
                "{stack}: {}",
                role.name
            );
        }
        assert!(roles > 5, "{stack}: {roles} roles");
        let lookup = json_variable(&program, boundary::VARIABLE);
        assert_eq!(
            lookup,
            serde_json::json!({"fn::invoke": {
                "function": "aws:iam/getPolicy:getPolicy",
                "arguments": {"arn": format!("arn:aws:iam::${{accountId}}:policy/{}", boundary::NAME)},
                "options": {"version": "7.48.0"},
                "return": "arn"
            }}),
            "{stack}"
        );
        assert!(check::run(&program, &config).unwrap().passed());
    }
}

#[test]
fn a_role_without_the_boundary_or_beyond_it_is_rejected() {
    let (config, mut program) = common::program("dev");
    let target = check::Target::of(&config);
    let role = program.resources.get_mut("apiRole").unwrap();
    role.properties.remove("permissionsBoundary");
    let findings = policy::ALL
        .iter()
        .flat_map(|(_, check)| check(&program, &target))
        .collect::<Vec<_>>();
    assert!(
        findings
            .iter()
            .any(|f| f.check == "roles-carry-boundary" && f.path.contains("apiRole")),
        "{findings:#?}"
    );
    let (_, mut program) = common::program("dev");
    let policy = program.resources.get_mut("apiPolicy").unwrap();
    let document = policy.properties.get_mut("policy").unwrap();
    common::replace(document, "logs:PutLogEvents", "iam:PassRole");
    let findings = code_remote_infra::check::boundary::roles_within_boundary(&program, &target);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert!(
        findings[0].message.contains("iam:PassRole"),
        "{findings:#?}"
    );
}

#[test]
fn each_stack_prefix_keeps_its_state_folder_and_key_to_its_environments() {
    let (config, dev) = built("dev");
    assert_eq!(
        config.prefixes().get("pr"),
        Some(&vec!["review", "review-cleanup"])
    );
    let review = document(&dev, "githubReviewRolePolicy", "policy");
    let objects = statements_with(&review, "s3:GetObject");
    assert_eq!(
        objects[0]["Resource"][0], "${stateBucket.arn}/pr/*",
        "{review:#}"
    );
    let list = statements_with(&review, "s3:ListBucket");
    assert_eq!(list[0]["Condition"]["StringLike"]["s3:prefix"], "pr/*");
    let key = statements_with(&review, "kms:Decrypt");
    assert_eq!(key[0]["Resource"][0], "${stateKeyPr.arn}");
    assert!(!review.to_string().contains("stateKeyDev"), "{review:#}");

    // Nor anything of dev's stacks: what is tagged theirs, and their buckets.
    let denied_tags = review["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Condition"]["StringLike"]["aws:ResourceTag/Environment"].is_array())
        .unwrap_or_else(|| panic!("{review:#}"));
    assert_eq!(
        (&denied_tags["Effect"], &denied_tags["Action"]),
        (&serde_json::json!("Deny"), &serde_json::json!(["*"]))
    );
    assert_eq!(
        denied_tags["Condition"]["StringLike"]["aws:ResourceTag/Environment"],
        serde_json::json!(["dev", "dev-*"])
    );
    assert!(statements_with(&review, "s3:*")
        .iter()
        .any(|s| s["Effect"] == "Deny"
            && s["Resource"]
                == serde_json::json!([
                    "arn:aws:s3:::code-remote-dev-*",
                    "arn:aws:s3:::code-remote-dev-*/*"
                ])));
    let dev_role = document(&dev, "githubDevRolePolicy", "policy");
    assert!(dev_role.to_string().contains("\"pr-*\""), "{dev_role:#}");
    let (_, prod) = built("prod");
    let prod_role = document(&prod, "githubProdRolePolicy", "policy");
    assert!(
        !prod_role.to_string().contains("aws:ResourceTag"),
        "one prefix: {prod_role:#}"
    );

    let bucket = document(&dev, "stateBucketPolicy", "policy");
    let by_sid = |sid: &str| {
        bucket["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == sid)
            .cloned()
            .unwrap_or_else(|| panic!("{sid} in {bucket:#}"))
    };
    let only_pr = by_sid("OnlyPrFolder");
    assert_eq!(only_pr["Effect"], "Deny");
    assert_eq!(
        only_pr["Condition"]["ArnEquals"]["aws:PrincipalArn"],
        serde_json::json!(["${githubReviewRole.arn}", "${githubReviewCleanupRole.arn}"])
    );
    assert!(only_pr["NotResource"].to_string().contains("/pr/*"));
    let list_dev = by_sid("ListDevFolderOnly");
    assert_eq!(list_dev["Condition"]["StringNotLike"]["s3:prefix"], "dev/*");
    let settings = by_sid("EnvironmentsOnlyUseTheirFolder");
    assert!(!settings["NotAction"]
        .to_string()
        .contains("PutBucketPolicy"));
    assert_eq!(
        settings["Condition"]["ArnEquals"]["aws:PrincipalArn"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    let dev_key = document(&dev, "stateKeyDev", "policy");
    let never = dev_key["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "OtherEnvironmentsNever")
        .unwrap();
    assert_eq!(
        never["Condition"]["ArnEquals"]["aws:PrincipalArn"],
        serde_json::json!(["${githubReviewRole.arn}", "${githubReviewCleanupRole.arn}"])
    );
    // One prefix in the prod account: nobody else to keep out of its key.
    let (_, prod) = built("prod");
    let prod_key = document(&prod, "stateKeyProd", "policy");
    assert!(!prod_key.to_string().contains("OtherEnvironmentsNever"));

    let outputs = serde_json::to_string(&render_outputs(&dev)).unwrap();
    assert!(outputs.contains("/pr?region=eu-west-1"), "{outputs}");
    assert!(
        outputs.contains("awskms://alias/code-remote-bootstrap-dev-state-pr?region=eu-west-1"),
        "{outputs}"
    );
}

fn render_outputs(program: &Program) -> serde_json::Value {
    let rendered = render(program, Format::Json).unwrap();
    let whole: serde_json::Value = serde_json::from_str(&rendered).unwrap();
    whole["outputs"]["environments"].clone()
}

#[test]
fn a_broad_policy_on_a_role_any_repository_may_assume_is_rejected() {
    let (config, mut program) = built("dev");
    let role = program.resources.get_mut("githubDevRole").unwrap();
    let trust = role.properties.get_mut("assumeRolePolicy").unwrap();
    common::replace(
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
    let ok = "config:\n  aws:region: eu-west-1\n  code-remote:repository: a/b\n  code-remote:environments:\n    dev: {access: deploy, stacks: dev}\n";
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
    let err = parse("dev", &ok.replace(", stacks: dev", ""))
        .unwrap_err()
        .to_string();
    assert!(err.contains("stacks"), "{err}");
    for bad in ["\"*\"", "bootstrap", "Dev", "\"\""] {
        let err = parse("dev", &ok.replace("stacks: dev", &format!("stacks: {bad}")))
            .unwrap_err()
            .to_string();
        assert!(err.contains("the stack prefix"), "{bad}: {err}");
    }
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
