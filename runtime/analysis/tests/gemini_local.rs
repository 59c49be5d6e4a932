//! The Gemini client against a local HTTP server answering in Gemini's documented JSON shapes:
//! success, streaming chunks, 429 then success, 500, timeout, and embeddings.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use code_remote_analysis::gemini::TaskType;
use code_remote_analysis::{
    AnalysisError, Analyzer, Embedder, GeminiAnalyzer, GeminiClient, GeminiConfig, GeminiEmbedder,
    StreamEvent,
};
use futures_util::StreamExt;
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One scripted answer.
#[derive(Clone)]
struct Reply {
    status: u16,
    body: Vec<String>,
    sse: bool,
    delay: Duration,
}

fn json_reply(status: u16, body: &str) -> Reply {
    Reply {
        status,
        body: vec![body.to_string()],
        sse: false,
        delay: Duration::ZERO,
    }
}

/// A request as the server saw it.
#[derive(Clone, Debug)]
struct Seen {
    request_line: String,
    api_key: Option<String>,
    body: String,
}

async fn serve(replies: Vec<Reply>) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        for reply in replies {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let mut buf = Vec::new();
            let mut tmp = [0u8; 4096];
            let header_end = loop {
                let n = sock.read(&mut tmp).await.unwrap_or(0);
                if n == 0 {
                    break None;
                }
                buf.extend_from_slice(&tmp[..n]);
                if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break Some(p + 4);
                }
            };
            let Some(header_end) = header_end else {
                continue;
            };
            let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            while buf.len() < header_end + len {
                let n = sock.read(&mut tmp).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&tmp[..n]);
            }
            let api_key = head.lines().find_map(|l| {
                let lower = l.to_ascii_lowercase();
                lower
                    .strip_prefix("x-goog-api-key:")
                    .map(|_| l[l.find(':').map_or(0, |i| i + 1)..].trim().to_string())
            });
            log.lock().expect("lock").push(Seen {
                request_line: head.lines().next().unwrap_or_default().to_string(),
                api_key,
                body: String::from_utf8_lossy(&buf[header_end..]).to_string(),
            });
            tokio::time::sleep(reply.delay).await;
            let ctype = if reply.sse {
                "text/event-stream"
            } else {
                "application/json"
            };
            let reason = if reply.status == 200 { "OK" } else { "Error" };
            let head = format!(
                "HTTP/1.1 {} {reason}\r\nContent-Type: {ctype}\r\nConnection: close\r\n\r\n",
                reply.status
            );
            let _ = sock.write_all(head.as_bytes()).await;
            for part in &reply.body {
                let _ = sock.write_all(part.as_bytes()).await;
                let _ = sock.flush().await;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let _ = sock.shutdown().await;
        }
    });
    (format!("http://{addr}/v1beta"), seen)
}

fn config(base: &str) -> GeminiConfig {
    let mut c = GeminiConfig::new(SecretString::from("test-key-123"));
    c.base_url = base.to_string();
    c.timeout = Duration::from_millis(500);
    c.max_retries = 2;
    c.initial_backoff = Duration::from_millis(10);
    c.embedding_dimension = 4;
    c
}

fn candidate(text: &str) -> String {
    serde_json::json!({
        "candidates": [{ "content": { "role": "model", "parts": [{ "text": text }] }, "finishReason": "STOP", "index": 0 }],
        "usageMetadata": { "promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15 },
        "modelVersion": "gemini-2.5-flash"
    })
    .to_string()
}

const REPLY: &str = "### Algorithm\nBinary search.\n### Time Complexity: O(log n)\n### Space Complexity: O(1)\n```json\n{\"time_complexity\": \"O(log(n))\", \"space_complexity\": \"O(1)\", \"patterns\": [\"binary search\"]}\n```";

#[tokio::test]
async fn generate_success_sends_key_in_header_and_config_in_body() {
    let (base, seen) = serve(vec![json_reply(200, &candidate(REPLY))]).await;
    let client = GeminiClient::new(config(&base)).expect("client");
    let a = GeminiAnalyzer::new(client).analyze("def f(): pass").await;
    assert!(a.success, "{a:?}");
    assert_eq!(a.time_complexity, "O(log n)");
    assert_eq!(a.space_complexity, "O(1)");
    assert_eq!(a.patterns, vec!["binary search".to_string()]);
    assert_eq!(a.model.as_deref(), Some("gemini-2.5-flash"));
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1);
    assert!(seen[0]
        .request_line
        .starts_with("POST /v1beta/models/gemini-2.5-flash:generateContent "));
    assert!(!seen[0].request_line.contains("test-key-123"));
    assert_eq!(seen[0].api_key.as_deref(), Some("test-key-123"));
    let body: serde_json::Value = serde_json::from_str(&seen[0].body).expect("json body");
    assert_eq!(
        body["generationConfig"]["thinkingConfig"]["thinkingBudget"],
        0
    );
    assert!(body["contents"][0]["parts"][0]["text"]
        .as_str()
        .is_some_and(|t| t.contains("def f(): pass")));
}

#[tokio::test]
async fn streaming_yields_chunks_then_the_parsed_result() {
    let halves = [&REPLY[..40], &REPLY[40..]];
    let events: Vec<String> = halves
        .iter()
        .map(|t| format!("data: {}\r\n\r\n", candidate(t)))
        .collect();
    let (base, seen) = serve(vec![Reply {
        status: 200,
        body: events,
        sse: true,
        delay: Duration::ZERO,
    }])
    .await;
    let client = GeminiClient::new(config(&base)).expect("client");
    let items: Vec<StreamEvent> = GeminiAnalyzer::new(client)
        .analyze_stream("x = 1")
        .await
        .collect()
        .await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[0], StreamEvent::Chunk(halves[0].to_string()));
    assert_eq!(items[1], StreamEvent::Chunk(halves[1].to_string()));
    match &items[2] {
        StreamEvent::Complete(a) => {
            assert!(a.success);
            assert_eq!(a.time_complexity, "O(log n)");
        }
        other => panic!("last item is {other:?}"),
    }
    let line = seen.lock().expect("lock")[0].request_line.clone();
    assert!(line.contains(":streamGenerateContent?alt=sse"), "{line}");
}

#[tokio::test]
async fn rate_limited_then_success_retries() {
    let err = r#"{"error": {"code": 429, "message": "Resource has been exhausted", "status": "RESOURCE_EXHAUSTED"}}"#;
    let (base, seen) = serve(vec![
        json_reply(429, err),
        json_reply(200, &candidate(REPLY)),
    ])
    .await;
    let client = GeminiClient::new(config(&base)).expect("client");
    let text = client
        .generate("sys", "prompt")
        .await
        .expect("second attempt succeeds");
    assert!(text.contains("Binary search"));
    assert_eq!(seen.lock().expect("lock").len(), 2);
}

#[tokio::test]
async fn server_error_after_retries_is_reported_without_the_key() {
    let err = r#"{"error": {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}}"#;
    let (base, seen) = serve(vec![
        json_reply(500, err),
        json_reply(500, err),
        json_reply(500, err),
    ])
    .await;
    let client = GeminiClient::new(config(&base)).expect("client");
    let e = client.generate("sys", "prompt").await.expect_err("fails");
    assert!(
        matches!(e, AnalysisError::Status { status: 500, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("Internal error encountered."));
    assert!(!e.to_string().contains("test-key-123"));
    assert_eq!(seen.lock().expect("lock").len(), 3);
    let a = GeminiAnalyzer::new(client).analyze("x = 1").await;
    assert!(!a.success);
}

#[tokio::test]
async fn timeout_is_an_error() {
    let slow = Reply {
        status: 200,
        body: vec![candidate(REPLY)],
        sse: false,
        delay: Duration::from_secs(3),
    };
    let (base, _) = serve(vec![slow.clone(), slow]).await;
    let mut cfg = config(&base);
    cfg.timeout = Duration::from_millis(150);
    cfg.max_retries = 1;
    let client = GeminiClient::new(cfg).expect("client");
    let e = client
        .generate("sys", "prompt")
        .await
        .expect_err("times out");
    assert!(matches!(e, AnalysisError::Timeout(_)), "{e:?}");
}

#[tokio::test]
async fn embeddings_single_and_batch_are_normalised() {
    let single = r#"{"embedding": {"values": [3.0, 0.0, 4.0, 0.0]}}"#;
    let batch =
        r#"{"embeddings": [{"values": [1.0, 0.0, 0.0, 0.0]}, {"values": [0.0, 2.0, 0.0, 0.0]}]}"#;
    let (base, seen) = serve(vec![
        json_reply(200, single),
        json_reply(200, batch),
        json_reply(200, single),
    ])
    .await;
    let client = GeminiClient::new(config(&base)).expect("client");
    let one = client
        .embed(&["a".to_string()], TaskType::Query)
        .await
        .expect("embed");
    assert_eq!(one, vec![vec![0.6, 0.0, 0.8, 0.0]]);
    let e = GeminiEmbedder::new(client.clone());
    let many = e
        .embed_documents(&["a".to_string(), "b".to_string()])
        .await
        .expect("batch");
    assert_eq!(
        many,
        vec![vec![1.0, 0.0, 0.0, 0.0], vec![0.0, 1.0, 0.0, 0.0]]
    );
    assert_eq!(e.embed_query("q").await.expect("query").len(), 4);
    let seen = seen.lock().expect("lock").clone();
    assert!(seen[0]
        .request_line
        .contains("gemini-embedding-001:embedContent"));
    assert!(seen[1]
        .request_line
        .contains("gemini-embedding-001:batchEmbedContents"));
    let body: serde_json::Value = serde_json::from_str(&seen[1].body).expect("json");
    assert_eq!(body["requests"][0]["outputDimensionality"], 4);
    assert_eq!(body["requests"][0]["taskType"], "RETRIEVAL_DOCUMENT");
}
