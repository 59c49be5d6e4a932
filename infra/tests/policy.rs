//! Every policy check of docs/infra.md (and of the original's fixes) passes on the committed stacks
//! and fails on a program that violates it, built in the test.

mod common;

use code_remote_infra::check::Target;
use code_remote_infra::check::{self, policy, Finding};
use code_remote_infra::model::{concat, list, map, Program, Resource, Value};
use code_remote_infra::StackConfig;

fn failing(check: policy::Check, program: &Program, config: &StackConfig) -> Vec<Finding> {
    let findings = check(program, &Target::of(config));
    assert!(
        !findings.is_empty(),
        "the check accepted a violating program"
    );
    findings
}

fn props<'a>(
    program: &'a mut Program,
    name: &str,
) -> &'a mut std::collections::BTreeMap<String, Value> {
    &mut program
        .resources
        .get_mut(name)
        .expect("resource exists")
        .properties
}

#[test]
fn committed_stacks_pass_every_check() {
    for stack in common::stack_names() {
        let (config, program) = common::program(&stack);
        let report = check::run(&program, &config).unwrap();
        assert!(report.passed(), "{stack}:\n{report}");
    }
}

#[test]
fn security_group_open_to_the_world_is_rejected() {
    let (config, mut program) = common::program("dev");
    let rule = map([
        ("protocol", Value::from("tcp")),
        ("fromPort", 5432.into()),
        ("toPort", 5432.into()),
        ("cidrBlocks", list(["0.0.0.0/0"])),
    ]);
    props(&mut program, "databaseSecurityGroup").insert("ingress".into(), list([rule]));
    let findings = failing(policy::no_world_open_ingress, &program, &config);
    assert_eq!(
        findings[0].path,
        "resources.databaseSecurityGroup.properties.ingress[0]"
    );
}

#[test]
fn https_from_the_world_is_allowed() {
    let (config, mut program) = common::program("dev");
    let rule = map([
        ("protocol", Value::from("tcp")),
        ("fromPort", 443.into()),
        ("toPort", 443.into()),
        ("cidrBlocks", list(["0.0.0.0/0"])),
    ]);
    props(&mut program, "endpointSecurityGroup").insert("ingress".into(), list([rule]));
    assert!(policy::no_world_open_ingress(&program, &Target::of(&config)).is_empty());
}

#[test]
fn bucket_without_public_access_block_is_rejected() {
    let (config, mut program) = common::program("dev");
    props(&mut program, "frontendBucketPublicAccessBlock")
        .insert("restrictPublicBuckets".into(), false.into());
    program
        .add(Resource::new("loose", "aws:s3/bucket:Bucket").prop("bucket", "loose"))
        .unwrap();
    let findings = failing(policy::buckets_block_public_access, &program, &config);
    let paths: Vec<&str> = findings.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["resources.frontendBucket", "resources.loose"]);
}

#[test]
fn unencrypted_queue_is_rejected() {
    let (config, mut program) = common::program("dev");
    props(&mut program, "syncQueue").remove("sqsManagedSseEnabled");
    let findings = failing(policy::queues_encrypted, &program, &config);
    assert_eq!(
        findings[0].path,
        "resources.syncQueue.properties.sqsManagedSseEnabled"
    );
}

#[test]
fn secret_without_customer_key_is_rejected() {
    let (config, mut program) = common::program("dev");
    props(&mut program, "geminiApiKey").remove("kmsKeyId");
    let findings = failing(policy::secrets_encrypted, &program, &config);
    assert_eq!(
        findings[0].path,
        "resources.geminiApiKey.properties.kmsKeyId"
    );
}

#[test]
fn wildcard_resource_in_a_role_policy_is_rejected() {
    let (config, mut program) = common::program("dev");
    // The original granted sqs:SendMessage on `*`.
    let doc = Value::ToJson(Box::new(map([
        ("Version", Value::from("2012-10-17")),
        (
            "Statement",
            list([map([
                ("Effect", Value::from("Allow")),
                ("Action", list(["sqs:SendMessage"])),
                ("Resource", Value::from("*")),
            ])]),
        ),
    ])));
    props(&mut program, "apiPolicy").insert("policy".into(), doc);
    let findings = failing(policy::roles_name_concrete_resources, &program, &config);
    assert_eq!(
        findings[0].path,
        "resources.apiPolicy.properties.policy.fn::toJSON.Statement[0].Resource"
    );
}

#[test]
fn wildcard_arn_pattern_and_unlisted_managed_policy_are_rejected() {
    let (config, mut program) = common::program("dev");
    let doc = Value::ToJson(Box::new(map([(
        "Statement",
        list([map([
            ("Effect", Value::from("Allow")),
            ("Action", list(["sqs:SendMessage"])),
            ("Resource", list(["arn:aws:sqs:eu-west-1:123456789012:*"])),
        ])]),
    )])));
    props(&mut program, "wsPolicy").insert("policy".into(), doc);
    props(&mut program, "wsManaged0").insert(
        "policyArn".into(),
        Value::from("arn:aws:iam::aws:policy/AdministratorAccess"),
    );
    let findings = failing(policy::roles_name_concrete_resources, &program, &config);
    let paths: Vec<&str> = findings.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "resources.wsPolicy.properties.policy.fn::toJSON.Statement[0].Resource",
            "resources.wsManaged0.properties.policyArn"
        ]
    );
}

#[test]
fn scoped_suffix_on_a_reference_counts_as_concrete() {
    let (config, mut program) = common::program("dev");
    let doc = Value::ToJson(Box::new(map([(
        "Statement",
        list([map([
            ("Effect", Value::from("Allow")),
            ("Action", list(["logs:PutLogEvents"])),
            (
                "Resource",
                list([concat([
                    Value::reference("apiLogs", "arn"),
                    Value::from(":*"),
                ])]),
            ),
        ])]),
    )])));
    props(&mut program, "apiPolicy").insert("policy".into(), doc);
    assert!(policy::roles_name_concrete_resources(&program, &Target::of(&config)).is_empty());
}

#[test]
fn prod_without_deletion_protection_is_rejected() {
    let (config, mut program) = common::program("prod");
    props(&mut program, "database").insert("deletionProtection".into(), false.into());
    props(&mut program, "userPool").insert("deletionProtection".into(), "INACTIVE".into());
    let findings = failing(policy::prod_deletion_protection, &program, &config);
    let paths: Vec<&str> = findings.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "resources.database.properties.deletionProtection",
            "resources.userPool.properties.deletionProtection"
        ]
    );
}

#[test]
fn prod_without_final_snapshot_is_rejected() {
    let (config, mut program) = common::program("prod");
    props(&mut program, "database").remove("finalSnapshotIdentifier");
    failing(policy::prod_deletion_protection, &program, &config);
}

#[test]
fn function_without_log_retention_is_rejected() {
    let (config, mut program) = common::program("dev");
    props(&mut program, "workerLogs").remove("retentionInDays");
    props(&mut program, "migrate").remove("loggingConfig");
    let findings = failing(policy::functions_log_retention, &program, &config);
    let paths: Vec<&str> = findings.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "resources.migrate.properties.loggingConfig.logGroup",
            "resources.worker.properties.loggingConfig.logGroup",
            "resources.workerLogs.properties.retentionInDays"
        ]
    );
}

#[test]
fn queue_without_dlq_is_rejected() {
    let (config, mut program) = common::program("dev");
    props(&mut program, "executionQueue").remove("redrivePolicy");
    let findings = failing(policy::queues_have_dlq, &program, &config);
    // Without the redrive, the DLQ is an ordinary queue without a DLQ too.
    let paths: Vec<&str> = findings.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "resources.executionQueue.properties.redrivePolicy",
            "resources.executionQueueDlq.properties.redrivePolicy"
        ]
    );
}

#[test]
fn dlq_with_wrong_receive_count_or_not_fifo_is_rejected() {
    let (config, mut program) = common::program("dev");
    props(&mut program, "syncQueueDlq").insert("fifoQueue".into(), false.into());
    let redrive = Value::ToJson(Box::new(map([
        (
            "deadLetterTargetArn",
            Value::reference("syncQueueDlq", "arn"),
        ),
        ("maxReceiveCount", Value::Int(10)),
    ])));
    props(&mut program, "syncQueue").insert("redrivePolicy".into(), redrive);
    let findings = failing(policy::queues_have_dlq, &program, &config);
    assert_eq!(findings.len(), 2, "{findings:#?}");
}

#[test]
fn mapping_without_batch_item_failures_is_rejected() {
    let (config, mut program) = common::program("dev");
    props(&mut program, "syncWorkerTrigger").remove("functionResponseTypes");
    let findings = failing(policy::mappings_report_batch_failures, &program, &config);
    assert_eq!(
        findings[0].path,
        "resources.syncWorkerTrigger.properties.functionResponseTypes"
    );
}

#[test]
fn subnet_outside_the_vpc_is_rejected() {
    let (config, mut program) = common::program("dev");
    // The original hard-coded 10.0.x.0/24 subnets whatever the VPC block was.
    props(&mut program, "privateSubnet1").insert("cidrBlock".into(), "10.0.1.0/24".into());
    let findings = failing(policy::subnets_inside_vpc, &program, &config);
    assert_eq!(
        findings[0].path,
        "resources.privateSubnet1.properties.cidrBlock"
    );
}

#[test]
fn overlapping_subnets_are_rejected() {
    let (config, mut program) = common::program("dev");
    let first = program.resources["publicSubnet0"]
        .get("cidrBlock")
        .cloned()
        .unwrap();
    props(&mut program, "publicSubnet1").insert("cidrBlock".into(), first);
    failing(policy::subnets_inside_vpc, &program, &config);
}

#[test]
fn hard_coded_issuer_region_is_rejected() {
    let (config, mut program) = common::program("dev");
    let jwt = map([
        (
            "issuer",
            concat([
                Value::from("https://cognito-idp.us-east-1.amazonaws.com/"),
                Value::reference("userPool", "id"),
            ]),
        ),
        (
            "audiences",
            list([Value::reference("userPoolClient", "id")]),
        ),
    ]);
    props(&mut program, "httpAuthorizer").insert("jwtConfiguration".into(), jwt);
    let findings = failing(policy::issuer_region_from_config, &program, &config);
    assert_eq!(
        findings[0].path,
        "resources.httpAuthorizer.properties.jwtConfiguration.issuer"
    );
}

#[test]
fn triggers_on_latest_are_rejected() {
    let (config, mut program) = common::program("dev");
    props(&mut program, "workerTrigger")
        .insert("functionName".into(), Value::reference("worker", "arn"));
    props(&mut program, "httpIntegration").insert(
        "integrationUri".into(),
        Value::reference("api", "invokeArn"),
    );
    let findings = failing(policy::triggers_target_live_alias, &program, &config);
    assert_eq!(findings.len(), 2);
}

#[test]
fn short_visibility_timeout_is_rejected() {
    let (config, mut program) = common::program("dev");
    props(&mut program, "executionQueue").insert("visibilityTimeoutSeconds".into(), 60.into());
    props(&mut program, "executionQueue").insert("receiveWaitTimeSeconds".into(), 0.into());
    let findings = failing(policy::queue_visibility_covers_consumer, &program, &config);
    assert_eq!(findings.len(), 2);
}

#[test]
fn x86_or_untraced_function_is_rejected() {
    let (config, mut program) = common::program("dev");
    props(&mut program, "ws").insert("architectures".into(), list(["x86_64"]));
    props(&mut program, "api").remove("tracingConfig");
    let findings = failing(policy::functions_traced_arm64, &program, &config);
    assert_eq!(findings.len(), 2);
}

#[test]
fn untagged_resource_is_rejected() {
    let (_, mut program) = common::program("dev");
    props(&mut program, "vpc").remove("tags");
    let index = code_remote_infra::schema::SchemaIndex::embedded().unwrap();
    let findings = policy::tags(&program, index);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].path, "resources.vpc.properties.tags");
}

#[test]
fn check_report_fails_on_a_violation() {
    let (config, mut program) = common::program("prod");
    props(&mut program, "workerTrigger").remove("functionResponseTypes");
    let report = check::run(&program, &config).unwrap();
    assert!(!report.passed());
    assert!(
        report
            .to_string()
            .contains("mappings-report-batch-failures   FAILED (1)"),
        "{report}"
    );
}

#[test]
fn a_logging_stage_that_does_not_wait_for_the_account_role_is_rejected() {
    let (config, mut program) = common::program("prod");
    for stage in ["httpStage", "websocketStage"] {
        program
            .resources
            .get_mut(stage)
            .unwrap()
            .options
            .depends_on
            .clear();
    }
    let findings = failing(policy::stage_logging_has_account_role, &program, &config);
    assert_eq!(findings.len(), 2);
    let (config, mut program) = common::program("prod");
    props(&mut program, "apiGatewayAccount").remove("cloudwatchRoleArn");
    assert_eq!(
        failing(policy::stage_logging_has_account_role, &program, &config).len(),
        2
    );
}

#[test]
fn an_alarm_topic_on_the_aws_managed_sns_key_is_rejected() {
    let (config, mut program) = common::program("prod");
    props(&mut program, "alarmTopic").insert("kmsMasterKeyId".into(), "alias/aws/sns".into());
    let findings = failing(policy::alarm_topic_key_usable, &program, &config);
    assert_eq!(
        findings[0].path,
        "resources.alarmTopic.properties.kmsMasterKeyId"
    );
    let (config, mut program) = common::program("prod");
    props(&mut program, "alarmKey").remove("policy");
    failing(policy::alarm_topic_key_usable, &program, &config);
}

#[test]
fn a_websocket_deployment_that_ignores_a_route_is_rejected() {
    let (config, mut program) = common::program("dev");
    props(&mut program, "websocketDeployment").insert(
        "triggers".into(),
        map([("routes", "$connect,$disconnect,$default")]),
    );
    let findings = failing(
        policy::websocket_redeploys_on_route_change,
        &program,
        &config,
    );
    assert_eq!(findings.len(), 3, "{findings:?}");
}

#[test]
fn every_aws_resource_and_invoke_is_pinned_to_the_checked_provider_version() {
    for stack in common::stack_names() {
        let (_, program) = common::program(&stack);
        let json: serde_json::Value = serde_json::from_str(
            &code_remote_infra::render::render(&program, code_remote_infra::render::Format::Json)
                .unwrap(),
        )
        .unwrap();
        let version = code_remote_infra::schema::SCHEMA_VERSION;
        for (name, resource) in json["resources"].as_object().unwrap() {
            let token = resource["type"].as_str().unwrap();
            if token.starts_with("aws:") || token == "pulumi:providers:aws" {
                assert_eq!(resource["options"]["version"], version, "{stack} {name}");
            }
        }
        for (name, variable) in json["variables"].as_object().unwrap() {
            assert_eq!(
                variable["fn::invoke"]["options"]["version"], version,
                "{stack} {name}"
            );
        }
    }
}

#[test]
fn bucket_names_are_derived_from_the_account_and_region() {
    let (config, program) = common::program("prod");
    for bucket in program.of_type("aws:s3/bucket:Bucket") {
        let name = format!("{:?}", bucket.get("bucket").unwrap());
        assert!(
            name.contains("accountId") && name.contains(&config.region),
            "{name}"
        );
    }
}

#[test]
fn a_fixed_name_replaced_create_first_is_rejected() {
    let (config, mut program) = common::program("dev");
    program
        .resources
        .get_mut("api")
        .unwrap()
        .options
        .delete_before_replace = false;
    let findings = failing(policy::fixed_names_delete_before_replace, &program, &config);
    assert_eq!(
        findings[0].path,
        "resources.api.options.deleteBeforeReplace"
    );
    // Data stores keep create-first: their replacement fails on the name instead.
    assert!(!program.resources["database"].options.delete_before_replace);
}
