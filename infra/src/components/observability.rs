//! CloudWatch alarms on DLQ depth, Lambda errors and throttles and API 5xx, sent to an SNS topic
//! (with an e-mail subscription when the stack sets `alarmEmail`).

use crate::components::functions::Functions;
use crate::components::http_api::HttpApi;
use crate::components::messaging::Messaging;
use crate::components::Context;
use crate::error::InfraError;
use crate::model::{concat, list, map, Program, Resource, ResourceRef, Value};

struct Alarm<'a> {
    logical: String,
    suffix: String,
    description: String,
    namespace: &'static str,
    metric: &'static str,
    statistic: &'static str,
    dimensions: Vec<(&'static str, Value)>,
    topic: &'a ResourceRef,
}

fn alarm(program: &mut Program, ctx: &Context<'_>, a: Alarm<'_>) -> Result<(), InfraError> {
    let n = &ctx.naming;
    program.add(
        Resource::new(&a.logical, "aws:cloudwatch/metricAlarm:MetricAlarm")
            .prop("name", n.name(&a.suffix))
            .prop("alarmDescription", a.description)
            .prop("namespace", a.namespace)
            .prop("metricName", a.metric)
            .prop("statistic", a.statistic)
            .prop("dimensions", map(a.dimensions))
            .prop("period", 300)
            .prop("evaluationPeriods", 1)
            .prop("threshold", 0)
            .prop("comparisonOperator", "GreaterThanThreshold")
            .prop("treatMissingData", "notBreaching")
            .prop("alarmActions", list([a.topic.arn()]))
            .prop("okActions", list([a.topic.arn()]))
            .prop("tags", n.tags(&a.suffix)),
    )?;
    Ok(())
}

/// The alarm key's policy: the account administers it; CloudWatch, which publishes the alarms,
/// may use it (AWS's documented statement for event sources of encrypted topics).
fn alarm_key_policy(ctx: &Context<'_>) -> Value {
    let root = concat([
        Value::from("arn:aws:iam::"),
        ctx.account_id.clone(),
        Value::from(":root"),
    ]);
    Value::ToJson(Box::new(map([
        ("Version", Value::from("2012-10-17")),
        (
            "Statement",
            list([
                map([
                    ("Sid", Value::from("AccountAdministers")),
                    ("Effect", Value::from("Allow")),
                    ("Principal", map([("AWS", root)])),
                    ("Action", Value::from("kms:*")),
                    ("Resource", Value::from("*")),
                ]),
                map([
                    ("Sid", Value::from("CloudWatchPublishesAlarms")),
                    ("Effect", Value::from("Allow")),
                    (
                        "Principal",
                        map([("Service", Value::from("cloudwatch.amazonaws.com"))]),
                    ),
                    (
                        "Action",
                        list([
                            Value::from("kms:Decrypt"),
                            Value::from("kms:GenerateDataKey*"),
                        ]),
                    ),
                    ("Resource", Value::from("*")),
                ]),
            ]),
        ),
    ])))
}

/// Declares the topic and every alarm.
pub fn build(
    program: &mut Program,
    ctx: &Context<'_>,
    messaging: &Messaging,
    functions: &Functions,
    http: &HttpApi,
) -> Result<(), InfraError> {
    let n = &ctx.naming;
    // CloudWatch can only publish to an encrypted topic whose key lets it use the key; the AWS
    // managed `alias/aws/sns` key does not, so alarms would be dropped. The topic gets a key of
    // its own whose policy names CloudWatch.
    let key = program.add(
        Resource::new("alarmKey", "aws:kms/key:Key")
            .prop(
                "description",
                format!("{}: alarm notifications", n.name("alarms")),
            )
            .prop("enableKeyRotation", true)
            .prop("deletionWindowInDays", 30)
            .prop("policy", alarm_key_policy(ctx))
            .prop("tags", n.tags("alarms")),
    )?;
    let topic = program.add(
        Resource::new("alarmTopic", "aws:sns/topic:Topic")
            .prop("name", n.name("alarms"))
            .prop("kmsMasterKeyId", key.arn())
            .prop("tags", n.tags("alarms")),
    )?;
    if let Some(email) = &ctx.config.alarm_email {
        program.add(
            Resource::new("alarmEmail", "aws:sns/topicSubscription:TopicSubscription")
                .prop("topic", topic.arn())
                .prop("protocol", "email")
                .prop("endpoint", email.clone()),
        )?;
    }
    for (logical, queue) in [
        ("executionDlqDepth", &messaging.execution),
        ("syncDlqDepth", &messaging.sync),
    ] {
        alarm(
            program,
            ctx,
            Alarm {
                logical: logical.to_owned(),
                suffix: format!(
                    "{}-dlq-depth",
                    if logical.starts_with("sync") {
                        "sync"
                    } else {
                        "execution"
                    }
                ),
                description: "messages failed three times and sit in the dead-letter queue"
                    .to_owned(),
                namespace: "AWS/SQS",
                metric: "ApproximateNumberOfMessagesVisible",
                statistic: "Maximum",
                dimensions: vec![("QueueName", queue.dlq.out("name").into())],
                topic: &topic,
            },
        )?;
    }
    for function in functions.all() {
        let logical = function.function.name();
        for (metric, what) in [("Errors", "errors"), ("Throttles", "throttles")] {
            alarm(
                program,
                ctx,
                Alarm {
                    logical: format!("{logical}{metric}"),
                    suffix: format!("{}-{what}", function.id),
                    description: format!("the {} function reports {what}", function.id),
                    namespace: "AWS/Lambda",
                    metric,
                    statistic: "Sum",
                    dimensions: vec![("FunctionName", function.function.out("name").into())],
                    topic: &topic,
                },
            )?;
        }
    }
    alarm(
        program,
        ctx,
        Alarm {
            logical: "httpApi5xx".to_owned(),
            suffix: "api-5xx".to_owned(),
            description: "the HTTP API answers 5xx".to_owned(),
            namespace: "AWS/ApiGateway",
            metric: "5xx",
            statistic: "Sum",
            dimensions: vec![
                ("ApiId", http.api.id().into()),
                ("Stage", Value::from("$default")),
            ],
            topic: &topic,
        },
    )?;
    Ok(())
}
