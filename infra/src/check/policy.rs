//! The policy rules of docs/infra.md, plus the fixes of the original system, each a
//! function over the typed program so a test can show it rejecting a violating program.

use crate::bootstrap::{ENVIRONMENT_POLICIES, GITHUB_ISSUER};
use crate::check::{Finding, Target};
use crate::cidr::Ipv4Cidr;
use crate::iam::ALLOWED_MANAGED_POLICIES;
use crate::model::{Program, Ref, Resource, Value};
use crate::schema::SchemaIndex;

/// A policy check.
pub type Check = fn(&Program, &Target) -> Vec<Finding>;

/// Every policy check with its name, in report order.
pub const ALL: [(&str, Check); 20] = [
    ("no-world-open-ingress", no_world_open_ingress),
    ("buckets-block-public-access", buckets_block_public_access),
    ("queues-encrypted", queues_encrypted),
    ("secrets-encrypted", secrets_encrypted),
    (
        "roles-name-concrete-resources",
        roles_name_concrete_resources,
    ),
    ("prod-deletion-protection", prod_deletion_protection),
    ("functions-log-retention", functions_log_retention),
    ("queues-have-dlq", queues_have_dlq),
    (
        "mappings-report-batch-failures",
        mappings_report_batch_failures,
    ),
    ("subnets-inside-vpc", subnets_inside_vpc),
    ("issuer-region-from-config", issuer_region_from_config),
    ("triggers-target-live-alias", triggers_target_live_alias),
    (
        "queue-visibility-6x-timeout",
        queue_visibility_covers_consumer,
    ),
    ("functions-traced-arm64", functions_traced_arm64),
    (
        "stage-logging-has-account-role",
        stage_logging_has_account_role,
    ),
    ("alarm-topic-key-usable", alarm_topic_key_usable),
    (
        "websocket-redeploys-on-route-change",
        websocket_redeploys_on_route_change,
    ),
    (
        "fixed-names-delete-before-replace",
        fixed_names_delete_before_replace,
    ),
    (
        "roles-carry-boundary",
        super::boundary::roles_carry_boundary,
    ),
    (
        "roles-within-boundary",
        super::boundary::roles_within_boundary,
    ),
];

const SG: &str = "aws:ec2/securityGroup:SecurityGroup";
const BUCKET: &str = "aws:s3/bucket:Bucket";
const PAB: &str = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const QUEUE: &str = "aws:sqs/queue:Queue";
const SECRET: &str = "aws:secretsmanager/secret:Secret";
const KMS_KEY: &str = "aws:kms/key:Key";
const FUNCTION: &str = "aws:lambda/function:Function";
const ALIAS: &str = "aws:lambda/alias:Alias";
const LOG_GROUP: &str = "aws:cloudwatch/logGroup:LogGroup";
const ESM: &str = "aws:lambda/eventSourceMapping:EventSourceMapping";

fn finding(
    check: &'static str,
    resource: &Resource,
    rest: &str,
    message: impl Into<String>,
) -> Finding {
    Finding {
        check,
        path: format!("resources.{}{rest}", resource.name),
        message: message.into(),
    }
}

/// The resource a bare reference (`${x.out}`) points at.
fn target<'a>(program: &'a Program, value: Option<&Value>) -> Option<&'a Resource> {
    value
        .and_then(Value::as_ref)
        .and_then(Ref::resource)
        .and_then(|name| program.resources.get(name))
}

/// No security group admits 0.0.0.0/0 (or ::/0) except HTTPS (tcp 443).
pub fn no_world_open_ingress(program: &Program, _: &Target) -> Vec<Finding> {
    let mut out = Vec::new();
    for sg in program.of_type(SG) {
        let rules = sg
            .get("ingress")
            .and_then(Value::as_list)
            .unwrap_or_default();
        for (i, rule) in rules.iter().enumerate() {
            let world = ["cidrBlocks", "ipv6CidrBlocks"].iter().any(|key| {
                rule.get(key).and_then(Value::as_list).is_some_and(|l| {
                    l.iter()
                        .any(|c| matches!(c.as_str(), Some("0.0.0.0/0" | "::/0")))
                })
            });
            let https = rule.get("protocol").and_then(Value::as_str) == Some("tcp")
                && rule.get("fromPort").and_then(Value::as_int) == Some(443)
                && rule.get("toPort").and_then(Value::as_int) == Some(443);
            if world && !https {
                out.push(finding(
                    "no-world-open-ingress",
                    sg,
                    &format!(".properties.ingress[{i}]"),
                    "ingress from anywhere is allowed only for HTTPS (tcp 443)",
                ));
            }
        }
    }
    out
}

/// Every bucket has a public access block with all four settings on.
pub fn buckets_block_public_access(program: &Program, _: &Target) -> Vec<Finding> {
    let mut out = Vec::new();
    for bucket in program.of_type(BUCKET) {
        let blocked = program.of_type(PAB).any(|pab| {
            target(program, pab.get("bucket")).is_some_and(|b| b.name == bucket.name)
                && [
                    "blockPublicAcls",
                    "blockPublicPolicy",
                    "ignorePublicAcls",
                    "restrictPublicBuckets",
                ]
                .iter()
                .all(|k| pab.get(k).and_then(Value::as_bool) == Some(true))
        });
        if !blocked {
            out.push(finding(
                "buckets-block-public-access",
                bucket,
                "",
                "no BucketPublicAccessBlock with all four settings true references this bucket",
            ));
        }
    }
    out
}

/// Every queue is encrypted at rest (SQS-managed SSE or a KMS key).
pub fn queues_encrypted(program: &Program, _: &Target) -> Vec<Finding> {
    program
        .of_type(QUEUE)
        .filter(|q| {
            q.get("sqsManagedSseEnabled").and_then(Value::as_bool) != Some(true)
                && q.get("kmsMasterKeyId").is_none()
        })
        .map(|q| {
            finding(
                "queues-encrypted",
                q,
                ".properties.sqsManagedSseEnabled",
                "enable SSE (sqsManagedSseEnabled: true or kmsMasterKeyId)",
            )
        })
        .collect()
}

/// Every secret is encrypted with a customer-managed KMS key declared in the program.
pub fn secrets_encrypted(program: &Program, _: &Target) -> Vec<Finding> {
    program
        .of_type(SECRET)
        .filter(|s| target(program, s.get("kmsKeyId")).is_none_or(|k| k.type_token != KMS_KEY))
        .map(|s| {
            finding(
                "secrets-encrypted",
                s,
                ".properties.kmsKeyId",
                "set kmsKeyId to a key declared in this program",
            )
        })
        .collect()
}

/// Whether a policy `Resource` entry names something concrete (no bare or literal wildcard ARN).
fn concrete(resource: &Value) -> bool {
    match resource {
        Value::Str(s) => !s.contains('*'),
        Value::Ref(_) => true,
        Value::Concat(parts) => parts
            .iter()
            .any(|p| matches!(p, Value::Ref(_) | Value::Concat(_)) && concrete(p)),
        _ => false,
    }
}

pub(crate) fn statements(doc: &Value) -> Vec<&Value> {
    let inner = match doc {
        Value::ToJson(inner) => inner.as_ref(),
        other => other,
    };
    inner
        .get("Statement")
        .and_then(Value::as_list)
        .map(|l| l.iter().collect())
        .unwrap_or_default()
}

/// Whether `policy` is the stacks' permissions boundary, used as a ceiling and attached to no
/// role: its `*` is a limit, not a grant.
fn is_unattached_boundary(program: &Program, policy: &Resource) -> bool {
    policy.type_token == "aws:iam/policy:Policy"
        && policy.get("name").and_then(Value::as_str) == Some(crate::bootstrap::boundary::NAME)
        && !program
            .of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            .any(|attachment| {
                attachment
                    .get("policyArn")
                    .and_then(Value::as_ref)
                    .and_then(Ref::resource)
                    == Some(policy.name.as_str())
            })
}

/// Every role's policies name concrete resources in what they allow (a `Deny` may be as broad
/// as it likes); managed policies only from the allowlist.
pub fn roles_name_concrete_resources(program: &Program, _: &Target) -> Vec<Finding> {
    let mut out = Vec::new();
    let policies = program.resources.values().filter(|r| {
        (r.type_token == "aws:iam/rolePolicy:RolePolicy" || r.type_token == "aws:iam/policy:Policy")
            && !is_unattached_boundary(program, r)
    });
    for policy in policies {
        let Some(doc) = policy.get("policy") else {
            continue;
        };
        if !matches!(doc, Value::ToJson(_)) {
            out.push(finding(
                "roles-name-concrete-resources",
                policy,
                ".properties.policy",
                "build the policy document as data (fn::toJSON), not as a string",
            ));
        }
        for (i, statement) in statements(doc).iter().enumerate() {
            if statement.get("Effect").and_then(Value::as_str) == Some("Deny") {
                continue;
            }
            let resources = match statement.get("Resource") {
                Some(Value::List(items)) => items.clone(),
                Some(single) => vec![single.clone()],
                None => Vec::new(),
            };
            if resources.is_empty() || !resources.iter().all(concrete) {
                out.push(finding(
                    "roles-name-concrete-resources",
                    policy,
                    &format!(".properties.policy.fn::toJSON.Statement[{i}].Resource"),
                    "every statement must name concrete resources (no `*`)",
                ));
            }
        }
    }
    for attachment in program.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
        let arn = attachment.get("policyArn").and_then(Value::as_str);
        let role = attachment
            .get("role")
            .and_then(Value::as_ref)
            .and_then(Ref::resource);
        let api_gateway_logs = arn == Some(crate::components::account::API_GATEWAY_LOGS_POLICY)
            && role == Some("apiGatewayLogsRole");
        let github_environment = arn.is_some_and(|a| ENVIRONMENT_POLICIES.contains(&a))
            && role.is_some_and(|role| trusted_by_github(program, role));
        if !api_gateway_logs
            && !github_environment
            && !arn.is_some_and(|a| ALLOWED_MANAGED_POLICIES.contains(&a))
        {
            out.push(finding(
                "roles-name-concrete-resources",
                attachment,
                ".properties.policyArn",
                "only the allowlisted AWS managed policies (X-Ray, Lambda ENIs; API Gateway's logging role; a GitHub environment's role of the bootstrap) may be attached",
            ));
        }
    }
    out
}

/// Whether role `name` may be assumed only through GitHub's OIDC provider declared in the same
/// program (an account bootstrap's environment role).
pub(crate) fn trusted_by_github(program: &Program, name: &str) -> bool {
    let Some(role) = program.resources.get(name) else {
        return false;
    };
    let Some(trust) = role.get("assumeRolePolicy") else {
        return false;
    };
    let statements = statements(trust);
    !statements.is_empty()
        && statements.iter().all(|statement| {
            let provider = statement
                .get("Principal")
                .and_then(|principal| principal.get("Federated"))
                .and_then(Value::as_ref)
                .and_then(Ref::resource)
                .and_then(|provider| program.resources.get(provider));
            provider.is_some_and(|provider| {
                provider.type_token == "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
                    && provider
                        .get("url")
                        .and_then(Value::as_str)
                        .is_some_and(|url| url == format!("https://{GITHUB_ISSUER}"))
            }) && statement.get("Action").and_then(Value::as_str)
                == Some("sts:AssumeRoleWithWebIdentity")
                && statement
                    .get("Condition")
                    .and_then(|condition| condition.get("StringEquals"))
                    .is_some_and(|equals| {
                        let claim = |name: &str| {
                            equals
                                .get(&format!("{GITHUB_ISSUER}:{name}"))
                                .and_then(Value::as_str)
                        };
                        claim("aud") == Some("sts.amazonaws.com")
                            && claim("sub").is_some_and(|sub| {
                                sub.starts_with("repo:")
                                    && sub.contains(":environment:")
                                    && !sub.contains('*')
                            })
                    })
        })
}

/// In prod, the database and the user pool cannot be deleted by accident.
pub fn prod_deletion_protection(program: &Program, target: &Target) -> Vec<Finding> {
    let mut out = Vec::new();
    if target.stack != "prod" {
        return out;
    }
    for cluster in program.of_type("aws:rds/cluster:Cluster") {
        let ok = cluster.get("deletionProtection").and_then(Value::as_bool) == Some(true)
            && cluster.get("skipFinalSnapshot").and_then(Value::as_bool) == Some(false)
            && cluster.get("finalSnapshotIdentifier").is_some();
        if !ok {
            out.push(finding(
                "prod-deletion-protection",
                cluster,
                ".properties.deletionProtection",
                "prod needs deletionProtection, skipFinalSnapshot: false and a finalSnapshotIdentifier",
            ));
        }
    }
    for pool in program.of_type("aws:cognito/userPool:UserPool") {
        if pool.get("deletionProtection").and_then(Value::as_str) != Some("ACTIVE") {
            out.push(finding(
                "prod-deletion-protection",
                pool,
                ".properties.deletionProtection",
                "prod needs deletionProtection: ACTIVE",
            ));
        }
    }
    out
}

/// Every function logs to a declared log group that has a retention.
pub fn functions_log_retention(program: &Program, _: &Target) -> Vec<Finding> {
    let mut out = Vec::new();
    for function in program.of_type(FUNCTION) {
        let group = target(
            program,
            function
                .get("loggingConfig")
                .and_then(|c| c.get("logGroup")),
        );
        let ok = group.is_some_and(|g| {
            g.type_token == LOG_GROUP
                && g.get("retentionInDays")
                    .and_then(Value::as_int)
                    .is_some_and(|d| d > 0)
        });
        if !ok {
            out.push(finding(
                "functions-log-retention",
                function,
                ".properties.loggingConfig.logGroup",
                "log to a declared log group with retentionInDays set",
            ));
        }
    }
    for group in program.of_type(LOG_GROUP) {
        if group
            .get("retentionInDays")
            .and_then(Value::as_int)
            .is_none_or(|d| d <= 0)
        {
            out.push(finding(
                "functions-log-retention",
                group,
                ".properties.retentionInDays",
                "every log group needs a retention",
            ));
        }
    }
    out
}

fn redrive_target<'a>(
    program: &'a Program,
    queue: &Resource,
) -> Option<(&'a Resource, Option<i64>)> {
    let policy = match queue.get("redrivePolicy")? {
        Value::ToJson(inner) => inner.as_ref(),
        _ => return None,
    };
    let dlq = target(program, policy.get("deadLetterTargetArn"))?;
    Some((dlq, policy.get("maxReceiveCount").and_then(Value::as_int)))
}

/// Every queue that is not itself a DLQ redrives to a declared FIFO-matching DLQ after 3 receives.
pub fn queues_have_dlq(program: &Program, _: &Target) -> Vec<Finding> {
    let dlqs: Vec<&str> = program
        .of_type(QUEUE)
        .filter_map(|q| redrive_target(program, q).map(|(d, _)| d.name.as_str()))
        .collect();
    let mut out = Vec::new();
    for queue in program
        .of_type(QUEUE)
        .filter(|q| !dlqs.contains(&q.name.as_str()))
    {
        match redrive_target(program, queue) {
            None => out.push(finding(
                "queues-have-dlq",
                queue,
                ".properties.redrivePolicy",
                "set a redrive policy to a declared dead-letter queue",
            )),
            Some((dlq, count)) => {
                let fifo = |r: &Resource| r.get("fifoQueue").and_then(Value::as_bool) == Some(true);
                if fifo(queue) != fifo(dlq) {
                    out.push(finding(
                        "queues-have-dlq",
                        queue,
                        ".properties.redrivePolicy",
                        "a FIFO queue needs a FIFO dead-letter queue",
                    ));
                }
                if count != Some(3) {
                    out.push(finding(
                        "queues-have-dlq",
                        queue,
                        ".properties.redrivePolicy.fn::toJSON.maxReceiveCount",
                        "maxReceiveCount must be 3",
                    ));
                }
            }
        }
    }
    out
}

/// Every event source mapping reports batch item failures (partial batch responses).
pub fn mappings_report_batch_failures(program: &Program, _: &Target) -> Vec<Finding> {
    program
        .of_type(ESM)
        .filter(|m| {
            !m.get("functionResponseTypes")
                .and_then(Value::as_list)
                .is_some_and(|l| {
                    l.iter()
                        .any(|v| v.as_str() == Some("ReportBatchItemFailures"))
                })
        })
        .map(|m| {
            finding(
                "mappings-report-batch-failures",
                m,
                ".properties.functionResponseTypes",
                "set functionResponseTypes: [ReportBatchItemFailures]",
            )
        })
        .collect()
}

/// Every subnet lies inside its VPC's block and no two subnets overlap.
pub fn subnets_inside_vpc(program: &Program, _: &Target) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen: Vec<(String, Ipv4Cidr)> = Vec::new();
    for subnet in program.of_type("aws:ec2/subnet:Subnet") {
        let cidr = subnet
            .get("cidrBlock")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Ipv4Cidr>().ok());
        let vpc_cidr = target(program, subnet.get("vpcId"))
            .and_then(|v| v.get("cidrBlock"))
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Ipv4Cidr>().ok());
        match (cidr, vpc_cidr) {
            (Some(c), Some(v)) if v.contains(&c) => {
                if let Some((other, _)) = seen.iter().find(|(_, s)| s.overlaps(&c)) {
                    out.push(finding(
                        "subnets-inside-vpc",
                        subnet,
                        ".properties.cidrBlock",
                        format!("{c} overlaps subnet `{other}`"),
                    ));
                }
                seen.push((subnet.name.clone(), c));
            }
            (c, v) => out.push(finding(
                "subnets-inside-vpc",
                subnet,
                ".properties.cidrBlock",
                format!(
                    "subnet {} is not inside its VPC's block {}",
                    c.map_or("(unparsable)".to_owned(), |c| c.to_string()),
                    v.map_or("(unknown)".to_owned(), |v| v.to_string())
                ),
            )),
        }
    }
    out
}

/// JWT authorizers trust the user pool of the stack's own region (the original hard-coded one).
pub fn issuer_region_from_config(program: &Program, target: &Target) -> Vec<Finding> {
    let expected = format!("https://cognito-idp.{}.amazonaws.com/", target.region);
    program
        .of_type("aws:apigatewayv2/authorizer:Authorizer")
        .filter(|a| {
            let issuer = a.get("jwtConfiguration").and_then(|j| j.get("issuer"));
            let first = match issuer {
                Some(Value::Concat(parts)) => parts.first().and_then(Value::as_str),
                Some(other) => other.as_str(),
                None => None,
            };
            first != Some(expected.as_str())
        })
        .map(|a| {
            finding(
                "issuer-region-from-config",
                a,
                ".properties.jwtConfiguration.issuer",
                format!("the issuer must start with {expected} (region from aws:region)"),
            )
        })
        .collect()
}

fn is_live_alias(resource: Option<&Resource>) -> bool {
    resource.is_some_and(|r| {
        r.type_token == ALIAS && r.get("name").and_then(Value::as_str) == Some("live")
    })
}

/// Event sources and API integrations invoke the `live` alias, never `$LATEST`.
pub fn triggers_target_live_alias(program: &Program, _: &Target) -> Vec<Finding> {
    let mut out = Vec::new();
    for m in program.of_type(ESM) {
        if !is_live_alias(target(program, m.get("functionName"))) {
            out.push(finding(
                "triggers-target-live-alias",
                m,
                ".properties.functionName",
                "target the function's `live` alias",
            ));
        }
    }
    for i in program.of_type("aws:apigatewayv2/integration:Integration") {
        if !is_live_alias(target(program, i.get("integrationUri"))) {
            out.push(finding(
                "triggers-target-live-alias",
                i,
                ".properties.integrationUri",
                "integrate the function's `live` alias",
            ));
        }
    }
    out
}

/// Each SQS source queue's visibility timeout is at least 6x its consumer's timeout.
pub fn queue_visibility_covers_consumer(program: &Program, _: &Target) -> Vec<Finding> {
    let mut out = Vec::new();
    for m in program.of_type(ESM) {
        let queue = target(program, m.get("eventSourceArn"));
        let function = target(program, m.get("functionName"))
            .and_then(|alias| target(program, alias.get("functionName")));
        let (Some(queue), Some(function)) = (queue, function) else {
            continue;
        };
        let timeout = function.get("timeout").and_then(Value::as_int).unwrap_or(3);
        let visibility = queue
            .get("visibilityTimeoutSeconds")
            .and_then(Value::as_int)
            .unwrap_or(30);
        if visibility < 6 * timeout {
            out.push(finding(
                "queue-visibility-6x-timeout",
                queue,
                ".properties.visibilityTimeoutSeconds",
                format!("{visibility} s is below 6 x the consumer's {timeout} s"),
            ));
        }
        if queue.get("receiveWaitTimeSeconds").and_then(Value::as_int) != Some(20) {
            out.push(finding(
                "queue-visibility-6x-timeout",
                queue,
                ".properties.receiveWaitTimeSeconds",
                "use 20 s long polling",
            ));
        }
    }
    out
}

/// Every function runs on arm64 with active X-Ray tracing, on `provided.al2023`, or, for the
/// functions that run the sandbox, on the managed Python runtime with the exec wrapper that
/// starts the Rust bootstrap (docs/architecture.md, "Python in the worker Lambda").
pub fn functions_traced_arm64(program: &Program, _: &Target) -> Vec<Finding> {
    use code_remote_config::contract::lambda_python;
    let mut out = Vec::new();
    for f in program.of_type(FUNCTION) {
        let arm = f
            .get("architectures")
            .and_then(Value::as_list)
            .is_some_and(|l| l.len() == 1 && l[0].as_str() == Some("arm64"));
        let python = code_remote_config::Function::ALL
            .into_iter()
            .find(|function| function.output_key() == f.name)
            .is_some_and(code_remote_config::Function::runs_python);
        let runtime = f.get("runtime").and_then(Value::as_str);
        let wrapper = f
            .get("environment")
            .and_then(|e| e.get("variables"))
            .and_then(|v| v.get(code_remote_config::vars::AWS_LAMBDA_EXEC_WRAPPER))
            .and_then(Value::as_str);
        let runtime_ok = if python {
            runtime == Some(lambda_python::RUNTIME) && wrapper == Some(lambda_python::EXEC_WRAPPER)
        } else {
            runtime == Some("provided.al2023") && wrapper.is_none()
        };
        let traced = f
            .get("tracingConfig")
            .and_then(|t| t.get("mode"))
            .and_then(Value::as_str)
            == Some("Active");
        if !(arm && runtime_ok && traced) {
            let expected = if python {
                format!(
                    "use runtime {} with AWS_LAMBDA_EXEC_WRAPPER={}, architectures [arm64] and tracingConfig.mode Active",
                    lambda_python::RUNTIME,
                    lambda_python::EXEC_WRAPPER
                )
            } else {
                "use runtime provided.al2023, architectures [arm64] and tracingConfig.mode Active"
                    .to_owned()
            };
            out.push(finding("functions-traced-arm64", f, "", expected));
        }
    }
    out
}

/// Every resource whose type accepts tags carries `Project`, `Environment` and `ManagedBy`.
pub fn tags(program: &Program, index: &SchemaIndex) -> Vec<Finding> {
    let mut out = Vec::new();
    for resource in program.resources.values() {
        let taggable = index
            .resources
            .get(&resource.type_token)
            .is_some_and(|s| s.inputs.contains("tags"));
        if !taggable {
            continue;
        }
        let tags = resource.get("tags");
        let missing: Vec<&str> = ["Project", "Environment", "ManagedBy"]
            .into_iter()
            .filter(|k| tags.and_then(|t| t.get(k)).is_none())
            .collect();
        if !missing.is_empty() {
            out.push(finding(
                "tags",
                resource,
                ".properties.tags",
                format!("missing tags {missing:?}"),
            ));
        }
    }
    out
}

/// A stage that writes logs needs API Gateway's account-level CloudWatch role in place before it
/// is created (API Gateway refuses it otherwise): an `Account` with `cloudwatchRoleArn`, which
/// the stage depends on.
pub fn stage_logging_has_account_role(program: &Program, _: &Target) -> Vec<Finding> {
    let accounts: Vec<&Resource> = program
        .of_type("aws:apigateway/account:Account")
        .filter(|account| account.get("cloudwatchRoleArn").is_some())
        .collect();
    let mut out = Vec::new();
    for stage in program.of_type("aws:apigatewayv2/stage:Stage") {
        if stage.get("accessLogSettings").is_none() {
            continue;
        }
        let waits = accounts
            .iter()
            .any(|account| stage.options.depends_on.contains(&account.name));
        if !waits {
            out.push(finding(
                "stage-logging-has-account-role",
                stage,
                ".options.dependsOn",
                "a stage with access logs must depend on an aws:apigateway/account:Account that sets cloudwatchRoleArn",
            ));
        }
    }
    out
}

/// Alarms publish to a topic whose KMS key lets CloudWatch use it: a key of the program's own
/// whose policy names `cloudwatch.amazonaws.com` (the AWS managed SNS key does not).
pub fn alarm_topic_key_usable(program: &Program, _: &Target) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut topics: Vec<&str> = program
        .of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        .flat_map(|alarm| alarm.properties.values())
        .flat_map(Value::references)
        .filter_map(|(_, r)| r.resource())
        .filter(|name| {
            program
                .resources
                .get(*name)
                .is_some_and(|r| r.type_token == "aws:sns/topic:Topic")
        })
        .collect();
    topics.sort_unstable();
    topics.dedup();
    for topic in topics
        .into_iter()
        .filter_map(|name| program.resources.get(name))
    {
        let usable = target(program, topic.get("kmsMasterKeyId")).is_some_and(|key| {
            key.type_token == "aws:kms/key:Key"
                && key.get("policy").is_some_and(|policy| {
                    format!("{policy:?}").contains("cloudwatch.amazonaws.com")
                })
        });
        if !usable {
            out.push(finding(
                "alarm-topic-key-usable",
                topic,
                ".properties.kmsMasterKeyId",
                "encrypt the alarm topic with a KMS key of the program whose policy lets cloudwatch.amazonaws.com use it",
            ));
        }
    }
    out
}

/// A WebSocket deployment is redeployed when its routes change: its `triggers` reference every
/// route of its API.
pub fn websocket_redeploys_on_route_change(program: &Program, _: &Target) -> Vec<Finding> {
    let mut out = Vec::new();
    for deployment in program.of_type("aws:apigatewayv2/deployment:Deployment") {
        let api = deployment
            .get("apiId")
            .and_then(Value::as_ref)
            .and_then(Ref::resource);
        let triggers: Vec<String> = deployment
            .get("triggers")
            .map(Value::references)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(_, r)| r.resource().map(str::to_owned))
            .collect();
        for route in program.of_type("aws:apigatewayv2/route:Route") {
            let same_api = route
                .get("apiId")
                .and_then(Value::as_ref)
                .and_then(Ref::resource)
                == api;
            if same_api && !triggers.contains(&route.name) {
                out.push(finding(
                    "websocket-redeploys-on-route-change",
                    deployment,
                    ".properties.triggers",
                    format!(
                        "the triggers must reference route {} so that changing it redeploys",
                        route.name
                    ),
                ));
            }
        }
    }
    out
}

/// A resource with a fixed, unique name is deleted before it is replaced, or its replacement
/// collides with it (`crate::model::resource::UNIQUE_NAMES`).
pub fn fixed_names_delete_before_replace(program: &Program, _: &Target) -> Vec<Finding> {
    program
        .resources
        .values()
        .filter(|r| crate::model::resource::has_unique_name(r) && !r.options.delete_before_replace)
        .map(|r| {
            finding(
                "fixed-names-delete-before-replace",
                r,
                ".options.deleteBeforeReplace",
                "a resource with a fixed unique name must set deleteBeforeReplace, or its replacement collides with it",
            )
        })
        .collect()
}
