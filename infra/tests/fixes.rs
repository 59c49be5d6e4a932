//! The fixes of docs/infra.md against the original hold for every committed stack and for settings
//! the original got wrong: subnets inside the VPC block, issuer region from config, no `*`
//! resources, batch item failures on every SQS mapping, log retention everywhere.

mod common;

use std::path::Path;

use code_remote_infra::check::policy;
use code_remote_infra::check::Target;
use code_remote_infra::cidr::Ipv4Cidr;
use code_remote_infra::model::Value;
use code_remote_infra::{stack, StackConfig};

fn with(stack: &str, replace: &[(&str, &str)]) -> StackConfig {
    let path = common::stacks_dir().join(format!("{stack}.yaml"));
    let mut text = std::fs::read_to_string(&path).unwrap();
    for (from, to) in replace {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    StackConfig::parse(stack, &text, Path::new("test.yaml")).unwrap()
}

fn subnets(config: &StackConfig) -> Vec<Ipv4Cidr> {
    let program = stack::build(config, common::RELEASE).unwrap();
    program
        .of_type("aws:ec2/subnet:Subnet")
        .map(|s| {
            s.get("cidrBlock")
                .and_then(Value::as_str)
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect()
}

#[test]
fn subnets_lie_inside_the_vpc_block_for_every_stack() {
    for name in common::stack_names() {
        let config = common::config(&name);
        let nets = subnets(&config);
        assert_eq!(nets.len() as u32, 2 * config.az_count, "{name}");
        for (i, a) in nets.iter().enumerate() {
            assert!(
                config.vpc_cidr.contains(a),
                "{name}: {a} outside {}",
                config.vpc_cidr
            );
            for b in &nets[i + 1..] {
                assert!(!a.overlaps(b), "{name}: {a} overlaps {b}");
            }
        }
    }
}

#[test]
fn subnets_follow_a_changed_vpc_block() {
    for (cidr, azs) in [
        ("172.16.0.0/16", "3"),
        ("192.168.64.0/20", "2"),
        ("10.99.0.0/24", "6"),
    ] {
        let config = with(
            "dev",
            &[
                (
                    "code-remote:vpcCidr: 10.20.0.0/16",
                    &format!("code-remote:vpcCidr: {cidr}"),
                ),
                (
                    "code-remote:azCount: 2",
                    &format!("code-remote:azCount: {azs}"),
                ),
            ],
        );
        let program = stack::build(&config, common::RELEASE).unwrap();
        assert!(
            policy::subnets_inside_vpc(&program, &Target::of(&config)).is_empty(),
            "{cidr}"
        );
        assert!(
            subnets(&config).iter().all(|s| config.vpc_cidr.contains(s)),
            "{cidr}"
        );
    }
}

#[test]
fn issuer_region_comes_from_the_stack_config() {
    let config = with(
        "prod",
        &[("aws:region: eu-west-1", "aws:region: ap-southeast-2")],
    );
    let program = stack::build(&config, common::RELEASE).unwrap();
    assert!(policy::issuer_region_from_config(&program, &Target::of(&config)).is_empty());
    let text = code_remote_infra::render::render(&program, code_remote_infra::render::Format::Yaml)
        .unwrap();
    assert!(text.contains("https://cognito-idp.ap-southeast-2.amazonaws.com/${userPool.id}"));
    assert!(
        !text.contains("us-east-1"),
        "a region is hard-coded somewhere"
    );
    assert!(!text.contains("eu-west-1"), "the old region leaked");
}

#[test]
fn no_policy_names_a_wildcard_resource_in_any_stack() {
    for name in common::stack_names() {
        let (config, program) = common::program(&name);
        assert!(
            policy::roles_name_concrete_resources(&program, &Target::of(&config)).is_empty(),
            "{name}"
        );
        let policies = program.of_type("aws:iam/rolePolicy:RolePolicy").count();
        assert_eq!(policies, 5, "{name}: one inline policy per function");
    }
}

#[test]
fn every_sqs_mapping_reports_batch_item_failures() {
    for name in common::stack_names() {
        let (config, program) = common::program(&name);
        let mappings = program
            .of_type("aws:lambda/eventSourceMapping:EventSourceMapping")
            .count();
        assert_eq!(mappings, 2, "{name}");
        assert!(
            policy::mappings_report_batch_failures(&program, &Target::of(&config)).is_empty(),
            "{name}"
        );
    }
}

#[test]
fn every_log_group_has_the_configured_retention() {
    for name in common::stack_names() {
        let (config, program) = common::program(&name);
        assert!(
            policy::functions_log_retention(&program, &Target::of(&config)).is_empty(),
            "{name}"
        );
        for group in program.of_type("aws:cloudwatch/logGroup:LogGroup") {
            assert_eq!(
                group.get("retentionInDays").and_then(Value::as_int),
                Some(i64::from(config.log_retention_days)),
                "{name}: {}",
                group.name
            );
        }
    }
}

#[test]
fn dev_and_prod_differ_where_the_spec_says() {
    let (_, dev) = common::program("dev");
    let (_, prod) = common::program("prod");
    let nats = |p: &code_remote_infra::Program| p.of_type("aws:ec2/natGateway:NatGateway").count();
    assert_eq!(nats(&dev), 1);
    assert_eq!(nats(&prod), 3);
    let get = |p: &code_remote_infra::Program, r: &str, k: &str| p.resources[r].get(k).cloned();
    assert_eq!(
        get(&dev, "database", "deletionProtection"),
        Some(Value::Bool(false))
    );
    assert_eq!(
        get(&prod, "database", "deletionProtection"),
        Some(Value::Bool(true))
    );
    assert!(prod.resources["database"].options.protect);
    assert_eq!(
        get(&dev, "userPool", "mfaConfiguration"),
        Some(Value::from("OFF"))
    );
    assert_eq!(
        get(&prod, "userPool", "mfaConfiguration"),
        Some(Value::from("OPTIONAL"))
    );
    assert_eq!(
        get(&prod, "userPool", "deletionProtection"),
        Some(Value::from("ACTIVE"))
    );
    assert!(get(&dev, "worker", "reservedConcurrentExecutions").is_some());
    // Same shape: the same functions and the same kind of code in both.
    for id in ["api", "ws", "worker", "syncWorker", "migrate"] {
        assert!(
            dev.resources.contains_key(id) && prod.resources.contains_key(id),
            "{id}"
        );
    }
}

#[test]
fn stack_outputs_cover_the_contract() {
    let (_, program) = common::program("dev");
    let mut expected = vec![
        "apiUrl",
        "websocketUrl",
        "websocketManagementUrl",
        "userPoolId",
        "userPoolClientId",
        "frontendBucket",
        "distributionId",
        "frontendUrl",
        "artifactsBucket",
        "executionQueueUrl",
        "syncQueueUrl",
        "databaseSecretArn",
        "neo4jSecretArn",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect::<Vec<_>>();
    for f in ["api", "ws", "worker", "syncWorker", "migrate"] {
        expected.push(format!("{f}FunctionName"));
        expected.push(format!("{f}LiveAliasArn"));
    }
    for key in expected {
        assert!(program.outputs.contains_key(&key), "missing output {key}");
    }
}

#[test]
fn malformed_settings_are_refused_with_the_key() {
    let cases = [
        (
            "code-remote:vpcCidr: 10.20.0.0/16",
            "code-remote:vpcCidr: 10.20.0.1/16",
            "10.20.0.1/16",
        ),
        (
            "code-remote:vpcCidr: 10.20.0.0/16",
            "code-remote:vpcCidr: 10.0.0.0/8",
            "vpcCidr",
        ),
        (
            "code-remote:azCount: 2",
            "code-remote:azCount: 1",
            "azCount",
        ),
        (
            "code-remote:auroraMaxAcu: 2",
            "code-remote:auroraMaxAcu: 0.3",
            "auroraMinAcu",
        ),
        (
            "code-remote:logRetentionDays: 14",
            "code-remote:logRetentionDays: 13",
            "logRetentionDays",
        ),
        ("code-remote:mfa: \"OFF\"", "code-remote:mfa: ON", "mfa"),
        ("aws:region: eu-west-1", "aws:region: Europe", "aws:region"),
        (
            "code-remote:neo4jEnabled: false",
            "code-remote:neo4jEnabled: false\n  code-remote:typo: 1",
            "typo",
        ),
    ];
    let path = common::stacks_dir().join("dev.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    for (from, to, needle) in cases {
        let broken = text.replace(from, to);
        let err = StackConfig::parse("dev", &broken, &path)
            .unwrap_err()
            .to_string();
        assert!(err.contains(needle), "{to}: {err}");
    }
    assert!(StackConfig::parse("Prod!", &text, &path).is_err());
}

/// Pulumi re-saves the `--config-file` it is given (passphrase or KMS secrets provider): it adds
/// `encryptionsalt`, sorts the keys and writes numbers and booleans back as strings. That file
/// must give the same program as the committed one.
#[test]
fn a_stack_file_as_pulumi_resaves_it_renders_the_same_program() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/prod.pulumi-resaved.yaml");
    let text = std::fs::read_to_string(&data).unwrap();
    let resaved = StackConfig::parse("prod", &text, &data).unwrap();
    assert_eq!(resaved, common::config("prod"));
    let render = |config: &StackConfig| {
        let program = code_remote_infra::stack::build(config, common::RELEASE).unwrap();
        code_remote_infra::render::render(&program, code_remote_infra::render::Format::Yaml)
            .unwrap()
    };
    assert_eq!(render(&resaved), render(&common::config("prod")));
    let broken = text.replace("azCount: \"3\"", "azCount: \"three\"");
    let err = StackConfig::parse("prod", &broken, &data).unwrap_err();
    assert!(
        err.to_string()
            .contains("expected a whole number, got \"three\""),
        "{err}"
    );
}

#[test]
fn a_stack_whose_bucket_names_would_exceed_63_characters_is_refused() {
    let mut config = common::config("dev");
    config.stack = "a-very-long-name".to_owned();
    config.region = "ap-southeast-3".to_owned();
    let err = code_remote_infra::stack::build(&config, common::RELEASE).unwrap_err();
    assert!(err.to_string().contains("S3 allows 63"), "{err}");
}

#[test]
fn the_offline_embedder_ships_its_model_layer_to_the_functions_that_embed() {
    let minilm = with(
        "dev",
        &[(
            "code-remote:embeddingDimensions: 768",
            "code-remote:embeddingDimensions: 384\n  code-remote:embedder: minilm",
        )],
    );
    let program = stack::build(&minilm, common::RELEASE).unwrap();
    let findings = code_remote_infra::check::schema::check(
        &program,
        code_remote_infra::schema::SchemaIndex::embedded().unwrap(),
    );
    assert!(findings.is_empty(), "{findings:#?}");
    for (name, check) in policy::ALL {
        assert!(check(&program, &Target::of(&minilm)).is_empty(), "{name}");
    }
    let layers: Vec<_> = program
        .of_type("aws:lambda/layerVersion:LayerVersion")
        .collect();
    assert_eq!(layers.len(), 1);
    let uploads: Vec<String> = program
        .of_type("aws:s3/bucketObjectv2:BucketObjectv2")
        .filter_map(|object| object.get("source"))
        .map(|source| format!("{source:?}"))
        .collect();
    assert!(
        uploads
            .iter()
            .any(|s| s.contains("layers/embedding-model.zip")),
        "{uploads:?}"
    );
    for function in program.of_type("aws:lambda/function:Function") {
        let env = format!("{:?}", function.get("environment"));
        let embeds = function.name == "api" || function.name == "syncWorker";
        assert_eq!(
            function.get("layers").is_some(),
            embeds,
            "{}: layers",
            function.name
        );
        assert_eq!(
            env.contains("/opt/all-MiniLM-L6-v2"),
            embeds,
            "{}: OFFLINE_EMBEDDING_MODEL_DIR",
            function.name
        );
        if embeds || function.name == "migrate" {
            assert!(env.contains("\"384\""), "{}: {env}", function.name);
        }
    }

    // The Gemini stacks carry no layer, and the model's dimension is enforced.
    let (_, gemini) = common::program("dev");
    assert_eq!(
        gemini
            .of_type("aws:lambda/layerVersion:LayerVersion")
            .count(),
        0
    );
    let path = common::stacks_dir().join("dev.yaml");
    let text = std::fs::read_to_string(path).unwrap().replace(
        "code-remote:neo4jEnabled",
        "code-remote:embedder: minilm\n  code-remote:neo4jEnabled",
    );
    let err = StackConfig::parse("dev", &text, Path::new("dev.yaml")).unwrap_err();
    assert!(
        err.to_string().contains("code-remote:embeddingDimensions")
            && err.to_string().contains("384"),
        "{err}"
    );
}
