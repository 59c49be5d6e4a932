//! The events AWS delivers to each function, in the shapes the services document: API Gateway
//! HTTP API payload 2.0 (with the JWT authorizer's claims), WebSocket route events, SQS batches,
//! and the migrate request `deploy` sends.

use serde_json::{json, Value};

const ACCOUNT: &str = "123456789012";
const SOURCE_IP: &str = "203.0.113.9";

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// An HTTP API request on the `$default` stage. With `token`, the route is the authorized
/// `$default` one and the authorizer's claims ride along, as API Gateway forwards them;
/// without, the open `GET /health` route.
pub fn http(
    api: &str,
    region: &str,
    method: &str,
    path_and_query: &str,
    body: Option<&Value>,
    token: Option<(&str, &Value)>,
) -> Value {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let domain = format!("{api}.execute-api.{region}.amazonaws.com");
    let mut headers = json!({
        "host": domain,
        "user-agent": "code-remote-rehearsal",
        "content-type": "application/json",
        "x-forwarded-for": SOURCE_IP,
        "x-forwarded-proto": "https",
    });
    let mut context = json!({
        "accountId": ACCOUNT,
        "apiId": api,
        "domainName": domain,
        "domainPrefix": api,
        "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                 "sourceIp": SOURCE_IP, "userAgent": "code-remote-rehearsal"},
        "requestId": request_id(),
        "routeKey": format!("{method} {path}"),
        "stage": "$default",
        "time": chrono::Utc::now().format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
        "timeEpoch": now_ms(),
    });
    let route = match token {
        Some((token, claims)) => {
            headers["authorization"] = Value::String(format!("Bearer {token}"));
            context["authorizer"] = json!({"jwt": {"claims": claims, "scopes": null}});
            context["routeKey"] = json!("$default");
            "$default".to_owned()
        }
        None => format!("{method} {path}"),
    };
    let mut event = json!({
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": context,
        "isBase64Encoded": false,
    });
    if !query.is_empty() {
        let parameters: serde_json::Map<String, Value> = query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_owned(), Value::String(v.replace('+', " "))))
            .collect();
        event["queryStringParameters"] = Value::Object(parameters);
    }
    if let Some(body) = body {
        event["body"] = Value::String(body.to_string());
    }
    event
}

/// The status and JSON body of an HTTP API response (`body` may be base64).
pub fn http_answer(answer: &Value) -> (u64, Value) {
    use base64::Engine as _;
    let status = answer["statusCode"].as_u64().unwrap_or_default();
    let text = answer["body"].as_str().unwrap_or_default();
    let bytes = if answer["isBase64Encoded"] == true {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap_or_default()
    } else {
        text.as_bytes().to_vec()
    };
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, body)
}

/// A WebSocket route event (`$connect`, `$default`, `$disconnect`) on stage `stage`.
pub fn websocket(
    api: &str,
    region: &str,
    stage: &str,
    route: &str,
    connection: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Value {
    let event_type = match route {
        "$connect" => "CONNECT",
        "$disconnect" => "DISCONNECT",
        _ => "MESSAGE",
    };
    let mut event = json!({
        "requestContext": {
            "routeKey": route,
            "eventType": event_type,
            "messageDirection": "IN",
            "connectionId": connection,
            "domainName": format!("{api}.execute-api.{region}.amazonaws.com"),
            "stage": stage,
            "apiId": api,
            "requestId": request_id(),
            "extendedRequestId": request_id(),
            "connectedAt": now_ms(),
            "requestTimeEpoch": now_ms(),
            "identity": {"sourceIp": SOURCE_IP},
        },
        "isBase64Encoded": false,
    });
    if let Some(token) = token {
        event["queryStringParameters"] = json!({"token": token});
    }
    if let Some(body) = body {
        event["body"] = Value::String(body.to_string());
    }
    event
}

/// An SQS record as the event source mapping delivers a received message.
pub fn sqs_record(message: &aws_sdk_sqs::types::Message, queue_arn: &str, region: &str) -> Value {
    let attributes: serde_json::Map<String, Value> = message
        .attributes
        .iter()
        .flatten()
        .map(|(k, v)| (k.as_str().to_owned(), Value::String(v.clone())))
        .collect();
    json!({
        "messageId": message.message_id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": attributes,
        "messageAttributes": {},
        "md5OfBody": message.md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    })
}

/// A record whose body no consumer accepts: it must come back in `batchItemFailures`.
pub fn malformed_record(queue_arn: &str, region: &str) -> (String, Value) {
    let id = request_id();
    let record = json!({
        "messageId": id,
        "receiptHandle": "malformed",
        "body": "{\"not\": \"a job\"",
        "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": "rehearsal",
                       "SentTimestamp": now_ms().to_string()},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    });
    (id, record)
}

/// An SQS batch of `records`.
pub fn sqs_batch(records: Vec<Value>) -> Value {
    json!({ "Records": records })
}

/// The ids an SQS handler reported as failed.
pub fn batch_failures(answer: &Value) -> Vec<String> {
    answer["batchItemFailures"]
        .as_array()
        .map(|failures| {
            failures
                .iter()
                .filter_map(|f| f["itemIdentifier"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The request `deploy up` sends the migrate function.
pub fn migrate(command: &str) -> Value {
    json!({"command": command, "target": "head", "release": "rehearsal"})
}
