//! `/analyze`, `/analyze/status` and `/analyze/async` with the offline analyzer; the async stream
//! is read from a real WebSocket of the same user.

mod support;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use serde_json::{json, Value};
use support::stack;
use tokio_tungstenite::tungstenite::Message;

const BUBBLE: &str = "def bubble_sort(values):\n    n = len(values)\n    for i in range(n):\n        for j in range(n - i - 1):\n            if values[j] > values[j + 1]:\n                values[j], values[j + 1] = values[j + 1], values[j]\n    return values\n";

#[tokio::test]
async fn analyze_answers_the_contract_shape_and_stores_on_an_owned_snippet() {
    let stack = stack().await;
    let alice = stack.token().await;
    let bob = stack.token().await;
    let (status, body) = stack
        .call(
            Method::POST,
            "/analyze",
            &alice,
            Some(json!({"code": BUBBLE})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut keys: Vec<&str> = body
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "available",
            "error",
            "model",
            "narrative",
            "patterns",
            "space_complexity",
            "success",
            "time_complexity"
        ]
    );
    assert_eq!(body["success"], true);
    assert_eq!(body["time_complexity"], "O(n^2)");
    assert_eq!(body["space_complexity"], "O(1)");
    assert_eq!(body["available"], true);
    assert_eq!(body["error"], Value::Null);
    assert_eq!(body["model"], Value::Null);
    assert!(body["narrative"]
        .as_str()
        .expect("narrative")
        .contains("### Time Complexity: O(n^2)"));
    assert!(
        body["patterns"]
            .as_array()
            .expect("patterns")
            .iter()
            .any(|p| p == "nested loops"),
        "{body}"
    );

    let (status, body) = stack.get("/analyze/status", &alice).await;
    assert_eq!(
        (status, body),
        (200, json!({"available": true, "provider": "heuristic"}))
    );

    let (status, body) = stack
        .call(Method::POST, "/analyze", &alice, Some(json!({"code": ""})))
        .await;
    assert_eq!(status, 422, "{body}");

    let id = stack.save(&alice, "Bubble", BUBBLE).await;
    stack.drain().await;
    let (status, _) = stack
        .call(
            Method::POST,
            "/analyze",
            &bob,
            Some(json!({"code": BUBBLE, "snippet_id": id})),
        )
        .await;
    assert_eq!(status, 404);
    sqlx::query(
        "UPDATE snippets SET time_complexity = NULL, analyzed_at = NULL WHERE id = $1::uuid",
    )
    .bind(&id)
    .execute(stack.store.pool())
    .await
    .expect("reset");
    let (status, _) = stack
        .call(
            Method::POST,
            "/analyze",
            &alice,
            Some(json!({"code": BUBBLE, "snippet_id": id})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, snippet) = stack.get(&format!("/snippets/{id}"), &alice).await;
    assert_eq!(snippet["time_complexity"], "O(n^2)");
    let received = stack
        .sync
        .queue()
        .receive(10, Duration::from_secs(1))
        .await
        .expect("receive");
    let kinds: Vec<String> = received
        .iter()
        .filter_map(|m| serde_json::from_str::<Value>(&m.body).ok())
        .filter(|b| b["snippet_id"] == id.as_str())
        .filter_map(|b| b["event_type"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(kinds, ["snippet.analyzed"]);
}

#[tokio::test]
async fn analyze_async_streams_to_the_callers_own_websocket() {
    let stack = stack().await;
    let alice = stack.token().await;
    let bob = stack.token().await;
    let url = format!("{}/ws?token={alice}", stack.base.replacen("http", "ws", 1));
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket");
    socket
        .send(Message::Text(r#"{"action":"ping"}"#.into()))
        .await
        .expect("ping");
    let pong = next_json(&mut socket).await;
    assert_eq!(pong["type"], "pong");
    let connection = pong["connection_id"]
        .as_str()
        .expect("connection id")
        .to_owned();

    let (status, body) = stack
        .call(
            Method::POST,
            "/analyze/async",
            &bob,
            Some(json!({"code": BUBBLE, "connection_id": connection})),
        )
        .await;
    assert_eq!(
        (status, body),
        (404, json!({"detail": "Connection not found"}))
    );
    let (status, _) = stack
        .call(
            Method::POST,
            "/analyze/async",
            &alice,
            Some(json!({"code": BUBBLE})),
        )
        .await;
    assert_eq!(status, 422);

    let (status, body) = stack
        .call(
            Method::POST,
            "/analyze/async",
            &alice,
            Some(json!({"code": BUBBLE, "connection_id": connection})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "streaming");
    let job = body["job_id"].clone();

    let start = next_json(&mut socket).await;
    assert_eq!(
        start,
        json!({"type": "analysis_stream_start", "job_id": job})
    );
    let mut chunks = String::new();
    let complete = loop {
        let frame = next_json(&mut socket).await;
        assert_eq!(frame["job_id"], job);
        match frame["type"].as_str() {
            Some("analysis_stream_chunk") => {
                chunks.push_str(frame["chunk"].as_str().expect("chunk"))
            }
            Some("analysis_stream_complete") => break frame,
            other => panic!("unexpected frame {other:?}: {frame}"),
        }
    };
    assert!(chunks.contains("### Time Complexity: O(n^2)"), "{chunks}");
    assert_eq!(complete["result"]["success"], true);
    assert_eq!(complete["result"]["time_complexity"], "O(n^2)");
    assert_eq!(
        complete["result"]["narrative"].as_str(),
        Some(chunks.as_str())
    );
}

async fn next_json<S>(socket: &mut S) -> Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let message = tokio::time::timeout(Duration::from_secs(30), socket.next())
            .await
            .expect("a frame within 30 s")
            .expect("open socket")
            .expect("frame");
        if let Message::Text(text) = message {
            return serde_json::from_str(text.as_str()).expect("json frame");
        }
    }
}
