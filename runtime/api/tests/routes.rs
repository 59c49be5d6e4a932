//! Every route of the contract in-process (tower `oneshot`), over real PostgreSQL, moto's Cognito
//! and moto's SQS: happy paths and the exact 401/404/413/422 bodies.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use support::test_app;

const MISSING: &str = "Missing authentication token";

#[tokio::test]
async fn health_answers_and_checks_the_database_when_deep() {
    let app = test_app().await;
    let answer = app.call("GET", "/health", None, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.body,
        json!({"status": "healthy", "version": env!("CARGO_PKG_VERSION")})
    );
    assert!(answer.headers.contains_key("x-request-id"));
    let deep = app.call("GET", "/health?deep=true", None, None).await;
    // The test app has the default services: offline providers and no search backend.
    assert_eq!(
        deep.body["checks"],
        json!({"database": "ok", "analysis": "offline", "search": "unavailable",
               "embedder": "hashed/768", "documents_to_reembed": null,
               "search_ranking": null})
    );
    let deep = app.call("GET", "/health?deep=1", None, None).await;
    assert_eq!(deep.body["checks"]["database"], "ok");
    // A database that does not answer fails deep health (the smoke test's probe), not liveness.
    app.store.pool().close().await;
    let deep = app.call("GET", "/health?deep=1", None, None).await;
    assert_eq!(deep.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(deep.body["status"], "unhealthy");
    assert_eq!(deep.body["checks"]["database"], "error");
    assert_eq!(
        app.call("GET", "/health", None, None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn openapi_document_is_3_1_and_lists_the_routes() {
    let app = test_app().await;
    let answer = app.call("GET", "/openapi.json", None, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/health",
        "/execute",
        "/execute/async",
        "/snippets",
        "/snippets/{id}",
        "/snippets/{id}/star",
    ] {
        assert!(
            answer.body["paths"].get(path).is_some(),
            "{path} documented"
        );
    }
}

#[tokio::test]
async fn protected_routes_refuse_missing_and_invalid_tokens() {
    let app = test_app().await;
    let id = uuid::Uuid::new_v4();
    let routes = [
        ("POST", "/execute".to_owned()),
        ("POST", "/execute/async".to_owned()),
        ("POST", "/snippets".to_owned()),
        ("GET", "/snippets".to_owned()),
        ("GET", format!("/snippets/{id}")),
        ("PUT", format!("/snippets/{id}")),
        ("DELETE", format!("/snippets/{id}")),
        ("POST", format!("/snippets/{id}/star")),
    ];
    for (method, uri) in &routes {
        let answer = app.call(method, uri, None, Some(json!({}))).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
        assert_eq!(answer.body, json!({"detail": MISSING}));
        assert_eq!(answer.headers["www-authenticate"], "Bearer");
        let answer = app
            .call(method, uri, Some("not-a-jwt"), Some(json!({})))
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert!(answer.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("Token validation failed: "));
    }
    let basic = Request::get("/snippets")
        .header("authorization", "Basic abc")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(basic).await.body, json!({"detail": MISSING}));
}

#[tokio::test]
async fn snippet_lifecycle() {
    let app = test_app().await;
    let token = app.token().await;
    let created = app
        .call(
            "POST",
            "/snippets",
            Some(&token),
            Some(json!({"code": "print(1)", "title": "one"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let snippet = created.body;
    assert_eq!(snippet["language"], "python");
    assert_eq!(snippet["is_starred"], false);
    assert_eq!(snippet["execution_count"], 0);
    let id = snippet["id"].as_str().unwrap().to_owned();
    for key in [
        "description",
        "time_complexity",
        "space_complexity",
        "last_execution_at",
        "created_at",
        "updated_at",
    ] {
        assert!(snippet.get(key).is_some(), "{key} present");
    }

    let fetched = app
        .call("GET", &format!("/snippets/{id}"), Some(&token), None)
        .await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.body, snippet);

    let updated = app
        .call(
            "PUT",
            &format!("/snippets/{id}"),
            Some(&token),
            Some(json!({"title": null, "description": "about"})),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!(
        updated.body["title"], "one",
        "null leaves the title unchanged"
    );
    assert_eq!(
        updated.body["code"], "print(1)",
        "absent leaves the code unchanged"
    );
    assert_eq!(updated.body["description"], "about");

    let starred = app
        .call("POST", &format!("/snippets/{id}/star"), Some(&token), None)
        .await;
    assert_eq!(starred.body["is_starred"], true);
    let unstarred = app
        .call("POST", &format!("/snippets/{id}/star"), Some(&token), None)
        .await;
    assert_eq!(unstarred.body["is_starred"], false);

    let listed = app.call("GET", "/snippets", Some(&token), None).await;
    assert_eq!(listed.body["total"], 1);
    assert_eq!(listed.body["limit"], 50);
    assert_eq!(listed.body["offset"], 0);
    assert!(
        listed.body["items"][0].get("code").is_none(),
        "summaries carry no code"
    );

    let deleted = app
        .call("DELETE", &format!("/snippets/{id}"), Some(&token), None)
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(deleted.body, json!({"deleted": true, "id": id}));
    let gone = app
        .call("GET", &format!("/snippets/{id}"), Some(&token), None)
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.body, json!({"detail": "Snippet not found"}));
}

#[tokio::test]
async fn another_users_snippet_is_not_found() {
    let app = test_app().await;
    let owner = app.token().await;
    let intruder = app.token().await;
    let created = app
        .call(
            "POST",
            "/snippets",
            Some(&owner),
            Some(json!({"code": "x = 1"})),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let not_found = json!({"detail": "Snippet not found"});
    for (method, uri, body) in [
        ("GET", format!("/snippets/{id}"), None),
        (
            "PUT",
            format!("/snippets/{id}"),
            Some(json!({"title": "mine"})),
        ),
        ("DELETE", format!("/snippets/{id}"), None),
        ("POST", format!("/snippets/{id}/star"), None),
    ] {
        let answer = app.call(method, &uri, Some(&intruder), body).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{method}");
        assert_eq!(answer.body, not_found);
    }
    let listed = app.call("GET", "/snippets", Some(&intruder), None).await;
    assert_eq!(listed.body["total"], 0);
    let still = app
        .call("GET", &format!("/snippets/{id}"), Some(&owner), None)
        .await;
    assert_eq!(still.body["title"], Value::Null);
}

#[tokio::test]
async fn pagination_reports_totals_and_orders_starred_first() {
    let app = test_app().await;
    let token = app.token().await;
    let mut ids = Vec::new();
    for n in 0..7 {
        let created = app
            .call(
                "POST",
                "/snippets",
                Some(&token),
                Some(json!({"code": format!("x = {n}")})),
            )
            .await;
        ids.push(created.body["id"].as_str().unwrap().to_owned());
    }
    app.call(
        "POST",
        &format!("/snippets/{}/star", ids[2]),
        Some(&token),
        None,
    )
    .await;
    let first = app
        .call("GET", "/snippets?limit=3&offset=0", Some(&token), None)
        .await;
    assert_eq!(first.body["total"], 7);
    assert_eq!(first.body["limit"], 3);
    assert_eq!(first.body["items"].as_array().unwrap().len(), 3);
    assert_eq!(first.body["items"][0]["id"], ids[2].as_str());
    let last = app
        .call("GET", "/snippets?limit=3&offset=6", Some(&token), None)
        .await;
    assert_eq!(last.body["total"], 7);
    assert_eq!(last.body["offset"], 6);
    assert_eq!(last.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn invalid_input_is_422_naming_the_fields() {
    let app = test_app().await;
    let token = app.token().await;
    let missing_code = app
        .call(
            "POST",
            "/snippets",
            Some(&token),
            Some(json!({"title": "t"})),
        )
        .await;
    assert_eq!(missing_code.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        missing_code.body,
        json!({"detail": [{"loc": ["body", "code"], "msg": "Field required", "type": "missing"}]})
    );
    // A NUL in a text field (which PostgreSQL cannot store) is a 422 naming it, not a 500.
    let nul = app
        .call(
            "POST",
            "/snippets",
            Some(&token),
            Some(json!({"title": "a\u{0}b", "code": "print(1)"})),
        )
        .await;
    assert_eq!(nul.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(nul.body["detail"][0]["loc"], json!(["body", "title"]));
    assert_eq!(nul.body["detail"][0]["type"], "string_nul");
    let nul_query = app
        .call(
            "GET",
            "/search/complexity?complexity=%00",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        nul_query.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        nul_query.body
    );
    assert_eq!(
        nul_query.body["detail"][0]["loc"],
        json!(["query", "complexity"])
    );
    let too_long = app
        .call(
            "POST",
            "/execute",
            Some(&token),
            Some(json!({"code": "x".repeat(10_241), "timeout_seconds": 0})),
        )
        .await;
    assert_eq!(
        too_long.body,
        json!({"detail": [
            {"loc": ["body", "code"], "msg": "String should have at most 10240 characters", "type": "string_too_long"},
            {"loc": ["body", "timeout_seconds"], "msg": "Input should be greater than 0", "type": "greater_than"}
        ]})
    );
    let no_connection = app
        .call(
            "POST",
            "/execute/async",
            Some(&token),
            Some(json!({"code": "print(1)"})),
        )
        .await;
    assert_eq!(
        no_connection.body,
        json!({"detail": [{"loc": ["body", "connection_id"], "msg": "Field required", "type": "missing"}]})
    );
    let bad_limit = app
        .call("GET", "/snippets?limit=0", Some(&token), None)
        .await;
    assert_eq!(
        bad_limit.body,
        json!({"detail": [{"loc": ["query", "limit"], "msg": "Input should be greater than or equal to 1", "type": "greater_than_equal"}]})
    );
    let bad_id = app
        .call("GET", "/snippets/not-a-uuid", Some(&token), None)
        .await;
    assert_eq!(bad_id.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_id.body["detail"][0]["loc"], json!(["path", "id"]));
    assert_eq!(bad_id.body["detail"][0]["type"], "uuid_parsing");
    let bad_update = app
        .call(
            "PUT",
            &format!("/snippets/{}", uuid::Uuid::new_v4()),
            Some(&token),
            Some(json!({"language": ""})),
        )
        .await;
    assert_eq!(bad_update.status, StatusCode::UNPROCESSABLE_ENTITY);
    let not_json = Request::post("/snippets")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from("{oops"))
        .unwrap();
    let answer = app.send(not_json).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.body["detail"][0]["type"], "json_invalid");
}

#[tokio::test]
async fn bodies_over_64_kib_are_413() {
    let app = test_app().await;
    let token = app.token().await;
    let big = app
        .call(
            "POST",
            "/snippets",
            Some(&token),
            Some(json!({"code": "x".repeat(70 * 1024)})),
        )
        .await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(big.body, json!({"detail": "Request body too large"}));
}

#[tokio::test]
async fn execute_async_queues_a_job_in_the_users_group() {
    let app = test_app().await;
    let token = app.token().await;
    // The connection is the caller's own (its `$connect` recorded it); another's is refused.
    let sub = claims(&token)["sub"].as_str().unwrap().to_owned();
    let user = app.store.sync_user(&sub, None, None).await.unwrap();
    let stranger = app
        .store
        .sync_user("someone-else", None, None)
        .await
        .unwrap();
    let ours = code_remote_domain::ConnectionId::parse("conn-1=".to_owned()).unwrap();
    let theirs = code_remote_domain::ConnectionId::parse("conn-2=".to_owned()).unwrap();
    app.store.open_connection(&ours, user).await.unwrap();
    app.store.open_connection(&theirs, stranger).await.unwrap();
    for foreign in ["conn-2=", "never-opened="] {
        let refused = app
            .call(
                "POST",
                "/execute/async",
                Some(&token),
                Some(json!({"code": "print(2)", "connection_id": foreign})),
            )
            .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{foreign}");
        assert_eq!(refused.body, json!({"detail": "Connection not found"}));
    }
    let answer = app
        .call(
            "POST",
            "/execute/async",
            Some(&token),
            Some(json!({"code": "print(2)", "connection_id": "conn-1=", "timeout_seconds": 5})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["status"], "queued");
    let job_id = answer.body["job_id"].as_str().unwrap().to_owned();
    let received = app
        .sqs
        .receive_message()
        .queue_url(&app.queue_url)
        .message_system_attribute_names(
            aws_sdk_sqs::types::MessageSystemAttributeName::MessageGroupId,
        )
        .send()
        .await
        .unwrap();
    let message = &received.messages.unwrap()[0];
    let body: Value = serde_json::from_str(message.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["job_id"], job_id.as_str());
    assert_eq!(body["connection_id"], "conn-1=");
    assert_eq!(body["code"], "print(2)");
    assert_eq!(body["timeout_seconds"], 5.0);
    let group = message.attributes.as_ref().unwrap()
        [&aws_sdk_sqs::types::MessageSystemAttributeName::MessageGroupId]
        .clone();
    assert_eq!(group, claims(&token)["sub"].as_str().unwrap());
    let job = code_remote_domain::JobId::from_uuid(job_id.parse().unwrap());
    let stored = app.store.execution(job).await.unwrap().unwrap();
    assert_eq!(stored.status, code_remote_domain::ExecutionStatus::Queued);
}

#[tokio::test]
async fn execute_runs_code_synchronously() {
    let app = test_app().await;
    let token = app.token().await;
    let answer = app
        .call(
            "POST",
            "/execute",
            Some(&token),
            Some(json!({"code": "print('hello')", "timeout_seconds": 10})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["success"], true);
    assert_eq!(answer.body["stdout"], "hello\n");
    assert_eq!(answer.body["truncated"], false);
    assert_eq!(answer.body["security_violations"], json!([]));
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let app = test_app().await;
    let preflight = |origin: &str| {
        Request::builder()
            .method("OPTIONS")
            .uri("/snippets")
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .body(Body::empty())
            .unwrap()
    };
    let allowed = app.send(preflight("https://app.example")).await;
    assert_eq!(
        allowed.headers["access-control-allow-origin"],
        "https://app.example"
    );
    assert_eq!(allowed.headers["access-control-allow-credentials"], "true");
    let refused = app.send(preflight("https://evil.example")).await;
    assert!(refused.headers.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn unknown_routes_are_404_json() {
    let app = test_app().await;
    let answer = app.call("GET", "/nope", None, None).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.body, json!({"detail": "Not Found"}));
}

#[tokio::test]
async fn the_frontend_is_served_for_paths_no_route_claims() {
    let app = test_app().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<html>app</html>").unwrap();
    let router = code_remote_api::with_frontend(app.router.clone(), dir.path());
    let response = tower::ServiceExt::oneshot(
        router.clone(),
        Request::get("/some/page").body(Body::empty()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response =
        tower::ServiceExt::oneshot(router, Request::get("/health").body(Body::empty()).unwrap())
            .await
            .unwrap();
    assert_eq!(response.headers()["content-type"], "application/json");
}

#[tokio::test]
async fn execute_gives_each_user_a_fair_share_of_the_sandbox() {
    let app = test_app().await;
    let (greedy, other) = (app.token().await, app.token().await);
    let slow = json!({"code": "import time\ntime.sleep(2)", "timeout_seconds": 10});
    let in_flight: Vec<_> = (0..2)
        .map(|_| app.call("POST", "/execute", Some(&greedy), Some(slow.clone())))
        .collect();
    let running = futures_util::future::join_all(in_flight);
    let probes = async {
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        let refused = app
            .call("POST", "/execute", Some(&greedy), Some(slow.clone()))
            .await;
        let served = app
            .call(
                "POST",
                "/execute",
                Some(&other),
                Some(json!({"code": "print('mine')", "timeout_seconds": 5})),
            )
            .await;
        (refused, served)
    };
    let (finished, (refused, served)) = tokio::join!(running, probes);
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    assert_eq!(refused.headers["retry-after"], "1");
    assert_eq!(
        refused.body["detail"],
        "Too many executions in progress; wait for one to finish"
    );
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.body["stdout"], "mine\n");
    for answer in finished {
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(answer.body["success"], true);
    }
    let again = app
        .call(
            "POST",
            "/execute",
            Some(&greedy),
            Some(json!({"code": "print(1)"})),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "the slots came back");
}

#[tokio::test]
async fn execute_async_refuses_a_user_over_their_pending_jobs() {
    let app = test_app().await;
    let token = app.token().await;
    let sub = claims(&token)["sub"].as_str().unwrap().to_owned();
    let user = app.store.sync_user(&sub, None, None).await.unwrap();
    let connection = code_remote_domain::ConnectionId::parse("conn-fair=".to_owned()).unwrap();
    app.store.open_connection(&connection, user).await.unwrap();
    let job = json!({"code": "print(1)", "connection_id": "conn-fair="});
    for n in 0..code_remote_api::fairness::PENDING_JOBS_PER_USER {
        let accepted = app
            .call("POST", "/execute/async", Some(&token), Some(job.clone()))
            .await;
        assert_eq!(
            accepted.status,
            StatusCode::OK,
            "job {n}: {}",
            accepted.body
        );
    }
    let refused = app
        .call("POST", "/execute/async", Some(&token), Some(job.clone()))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    assert_eq!(refused.headers["retry-after"], "5");
    // A finished job frees its place.
    let first = app
        .sqs
        .receive_message()
        .queue_url(&app.queue_url)
        .send()
        .await
        .unwrap();
    let body: Value =
        serde_json::from_str(first.messages.unwrap()[0].body.as_deref().unwrap()).unwrap();
    let job_id =
        code_remote_domain::JobId::from_uuid(body["job_id"].as_str().unwrap().parse().unwrap());
    app.store
        .finish_execution(
            job_id,
            code_remote_domain::ExecutionStatus::Succeeded,
            &json!({}),
        )
        .await
        .unwrap();
    let accepted = app
        .call("POST", "/execute/async", Some(&token), Some(job))
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
}

/// The claims of an ID token (its payload, unverified: the test issued it).
fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}
