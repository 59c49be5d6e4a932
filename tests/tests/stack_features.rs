//! The system's features against a real local stack: tokens, running code (synchronously and
//! through the queue with the result on the WebSocket), snippets, search and analysis.

use std::time::{Duration, Instant};

use code_remote_e2e::{Api, Socket, Stack};
use serde_json::json;

#[tokio::test]
async fn a_deploy_token_is_accepted_and_no_token_is_refused() {
    let stack = Stack::up(&[]);
    let api = Api::new(&stack, "token-user");
    let (status, body) = api.call("GET", "/snippets", None).await;
    assert_eq!(status, 200, "{body}");
    let anonymous = reqwest::get(format!("{}/snippets", stack.outputs().api_url))
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let demo = Api::new(&stack, "demo");
    let (status, body) = demo.call("GET", "/snippets", None).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["total"].as_u64() >= Some(3),
        "the demo snippets are seeded: {body}"
    );
}

#[tokio::test]
async fn code_runs_synchronously_and_through_the_queue_to_the_websocket() {
    runs_code_through_the_queue(&[], "postgres").await;
}

#[tokio::test]
async fn code_runs_through_moto_sqs_when_the_stack_asks_for_it() {
    runs_code_through_the_queue(&["--queue", "sqs"], "sqs").await;
}

/// Runs code synchronously and through the queue on a stack started with `flags`, whose
/// outputs must name `engine`.
async fn runs_code_through_the_queue(flags: &[&str], engine: &str) {
    let stack = Stack::up(flags);
    let outputs = stack.outputs();
    assert_eq!(outputs.queue_engine, engine);
    let scheme = if engine == "sqs" {
        "http://"
    } else {
        "pgqueue://"
    };
    assert!(
        outputs.execution_queue_url.starts_with(scheme)
            && outputs.sync_queue_url.starts_with(scheme),
        "{outputs:?}"
    );
    let api = Api::new(&stack, "runner");
    let (status, result) = api
        .call("POST", "/execute", Some(json!({"code": "print(6 * 7)"})))
        .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["success"], true, "{result}");
    assert_eq!(result["stdout"], "42\n");

    let mut socket = Socket::connect(&stack, api.token()).await;
    let connection_id = socket.connection_id().await;
    let (status, queued) = api
        .call(
            "POST",
            "/execute/async",
            Some(json!({"code": "print(sum(range(10)))", "connection_id": connection_id})),
        )
        .await;
    assert_eq!(status, 200, "{queued}");
    assert_eq!(queued["status"], "queued");
    let pushed = socket.next_of_type("execution_result").await;
    assert_eq!(pushed["job_id"], queued["job_id"]);
    assert_eq!(pushed["stdout"], "45\n", "{pushed}");
}

#[tokio::test]
async fn snippets_are_saved_listed_updated_starred_and_deleted() {
    let stack = Stack::up(&[]);
    let api = Api::new(&stack, "writer");
    let (status, created) = api
        .call(
            "POST",
            "/snippets",
            Some(json!({"title": "Squares", "code": "print([i * i for i in range(5)])"})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["language"], "python");
    assert_eq!(created["is_starred"], false);

    let (_, list) = api.call("GET", "/snippets", None).await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["id"], id.as_str());
    assert!(
        list["items"][0].get("code").is_none(),
        "summaries carry no code"
    );

    let (status, updated) = api
        .call(
            "PUT",
            &format!("/snippets/{id}"),
            Some(json!({"title": "Squares, renamed"})),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["title"], "Squares, renamed");
    assert_eq!(
        updated["code"], created["code"],
        "absent fields are unchanged"
    );

    let (_, starred) = api
        .call("POST", &format!("/snippets/{id}/star"), None)
        .await;
    assert_eq!(starred["is_starred"], true);

    let other = Api::new(&stack, "someone-else");
    let (status, _) = other.call("GET", &format!("/snippets/{id}"), None).await;
    assert_eq!(status, 404, "another user's snippet is not found");

    let (status, deleted) = api.call("DELETE", &format!("/snippets/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(deleted, json!({"deleted": true, "id": id}));
    let (status, _) = api.call("GET", &format!("/snippets/{id}"), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_saved_snippet_becomes_searchable_through_the_sync_worker() {
    becomes_searchable(&[]).await;
}

#[tokio::test]
async fn a_saved_snippet_becomes_searchable_through_moto_sqs() {
    becomes_searchable(&["--queue", "sqs"]).await;
}

/// Without `NEO4J_URI` the stack starts a throwaway Bolt server (ArcadeDB), migrates it and
/// searches through the neo4j backend's exact scan.
#[tokio::test]
async fn a_saved_snippet_becomes_searchable_on_the_neo4j_backend_over_bolt() {
    becomes_searchable(&["--search-backend", "neo4j"]).await;
}

/// Saves a snippet on a stack started with `flags` and waits until search finds it.
async fn becomes_searchable(flags: &[&str]) {
    let stack = Stack::up(flags);
    let api = Api::new(&stack, "searcher");
    let (status, created) = api
        .call(
            "POST",
            "/snippets",
            Some(json!({"title": "Merge sort", "code": "def merge_sort(xs):\n    if len(xs) < 2:\n        return xs\n    mid = len(xs) // 2\n    return sorted(merge_sort(xs[:mid]) + merge_sort(xs[mid:]))\n"})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, found) = api.call("GET", "/search?q=merge%20sort", None).await;
        assert_eq!(status, 200, "{found}");
        let hits = found["results"].as_array().cloned().unwrap_or_default();
        if hits.iter().any(|hit| hit["snippet_id"] == created["id"]) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not searchable after 60 s: {found}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let (_, health) = api.call("GET", "/health?deep=1", None).await;
    let checks = &health["checks"];
    if flags.contains(&"neo4j") {
        assert_eq!(checks["search"], "neo4j", "{health}");
        assert!(
            checks["search_ranking"]
                .as_str()
                .is_some_and(|r| r.starts_with("exact scan")),
            "a server without Neo4j's indexes says so: {health}"
        );
    } else {
        assert_eq!(checks["search"], "postgres", "{health}");
    }
}

#[tokio::test]
async fn code_is_analyzed_synchronously_and_streamed() {
    let stack = Stack::up(&[]);
    let api = Api::new(&stack, "analyst");
    let code = "def pairs(xs):\n    return [(a, b) for a in xs for b in xs]\n";
    let (status, analysis) = api
        .call("POST", "/analyze", Some(json!({"code": code})))
        .await;
    assert_eq!(status, 200, "{analysis}");
    assert_eq!(analysis["success"], true, "{analysis}");
    assert!(analysis["time_complexity"].is_string(), "{analysis}");

    let mut socket = Socket::connect(&stack, api.token()).await;
    let connection_id = socket.connection_id().await;
    let (status, started) = api
        .call(
            "POST",
            "/analyze/async",
            Some(json!({"code": code, "connection_id": connection_id})),
        )
        .await;
    assert_eq!(status, 200, "{started}");
    let complete = socket.next_of_type("analysis_stream_complete").await;
    assert_eq!(complete["job_id"], started["job_id"]);
    assert_eq!(
        complete["result"]["time_complexity"],
        analysis["time_complexity"]
    );
}

#[tokio::test]
async fn the_web_app_and_its_config_are_served_by_the_api() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/dist/index.html");
    if !dist.is_file() {
        eprintln!("SKIPPED: the web app is not built (scripts/setup builds frontend/dist)");
        return;
    }
    let stack = Stack::up(&[]);
    let outputs = stack.outputs();
    let config: serde_json::Value = reqwest::get(format!("{}config.json", outputs.frontend_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["apiUrl"], outputs.api_url.as_str());
    assert_eq!(config["websocketUrl"], outputs.websocket_url.as_str());
    assert_eq!(config["userPoolId"], outputs.user_pool_id.as_str());
    assert_eq!(
        config["userPoolClientId"],
        outputs.user_pool_client_id.as_str()
    );
    let page = reqwest::get(&outputs.frontend_url).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<html"));
}
