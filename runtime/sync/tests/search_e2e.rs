//! Search end to end on the postgres backend: snippets saved through the API, the sync worker
//! driven by polling the real (moto) queue, and `/search*` answering from the backend.

mod support;

use reqwest::Method;
use serde_json::json;
use support::{encode, ids, stack, stack_with};

const BINARY_SEARCH: &str = "def binary_search(items, target):\n    lo, hi = 0, len(items) - 1\n    while lo <= hi:\n        mid = (lo + hi) // 2\n        if items[mid] == target:\n            return mid\n        if items[mid] < target:\n            lo = mid + 1\n        else:\n            hi = mid - 1\n    return -1\n";
const FIB: &str = "from functools import lru_cache\n\n@lru_cache(maxsize=None)\ndef fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n";
const BUBBLE: &str = "def bubble_sort(values):\n    n = len(values)\n    for i in range(n):\n        for j in range(n - i - 1):\n            if values[j] > values[j + 1]:\n                values[j], values[j + 1] = values[j + 1], values[j]\n    return values\n";

#[tokio::test]
async fn saved_snippets_are_found_scoped_to_their_owner() {
    let stack = stack().await;
    let alice = stack.token().await;
    let bob = stack.token().await;
    let search = stack.save(&alice, "Binary search", BINARY_SEARCH).await;
    let fib = stack.save(&alice, "Fibonacci", FIB).await;
    let bubble = stack.save(&alice, "Bubble sort", BUBBLE).await;
    let secret = stack.save(&bob, "Bob's binary search", BINARY_SEARCH).await;
    let (status, body) = stack
        .call(
            Method::POST,
            "/snippets",
            &alice,
            Some(
                json!({"title": "find", "description": "Looks a value up in a sorted list",
                        "code": "def find(xs, x):\n    return xs.index(x)\n"}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let described = body["id"].as_str().expect("id").to_owned();
    assert_eq!(stack.drain().await, 5);
    let (_, health) = stack.get("/health?deep=1", &alice).await;
    assert_eq!(health["checks"]["embedder"], "minilm/384", "{health}");
    assert_eq!(health["checks"]["documents_to_reembed"], 0, "{health}");

    // The words of a saved description are found (full text fused with the vector).
    let (_, body) = stack
        .get(
            &format!("/search?q={}", encode("value in a sorted list")),
            &alice,
        )
        .await;
    let found = ids(&body["results"]);
    assert!(
        found.iter().take(2).any(|id| *id == described),
        "the described snippet is near the top: {body}"
    );

    let (status, body) = stack
        .get(
            &format!("/search?q={}", encode("binary search over sorted items")),
            &alice,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["method"], "semantic");
    let found = ids(&body["results"]);
    assert_eq!(found.first(), Some(&search));
    assert!(!found.contains(&secret), "another user's snippet leaked");
    assert_eq!(body["total"], found.len());
    for key in [
        "title",
        "language",
        "description",
        "time_complexity",
        "space_complexity",
        "score",
    ] {
        assert!(body["results"][0].get(key).is_some(), "{key}");
    }

    // "sort" among other words is meaning, not a filter on the sorting pattern: the bubble
    // sort comes first, although its code never calls `sorted()`.
    let (_, body) = stack
        .get(
            &format!("/search?q={}", encode("sorting algorithm")),
            &alice,
        )
        .await;
    assert_eq!(body["method"], "semantic", "{body}");
    assert_eq!(ids(&body["results"]).first(), Some(&bubble), "{body}");

    let (_, body) = stack
        .get(&format!("/search?q={}", encode("binary search")), &bob)
        .await;
    let found = ids(&body["results"]);
    assert_eq!(found, vec![secret.clone()]);

    let (_, body) = stack
        .get(
            &format!("/search?q={}", encode("memoized recursive")),
            &alice,
        )
        .await;
    assert_eq!(ids(&body["results"]), vec![fib.clone()], "{body}");
    assert_eq!(body["method"], "structured");

    let (_, body) = stack
        .get(
            &format!("/search?q={}", encode("anything quadratic")),
            &alice,
        )
        .await;
    assert_eq!(ids(&body["results"]), vec![bubble.clone()], "{body}");

    for hostile in [
        "' OR 1=1; DROP TABLE snippets; --",
        "x\") MATCH (n) DETACH DELETE n RETURN n //",
        "CALL { MATCH (s:Snippet) RETURN s } $user_id",
        "\"unterminated -sorted OR or or ((( binary:* & !search <-> | ''",
    ] {
        let (status, body) = stack
            .get(&format!("/search?q={}", encode(hostile)), &alice)
            .await;
        assert_eq!(status, 200, "{hostile}: {body}");
        let found = ids(&body["results"]);
        assert!(
            !found.contains(&secret),
            "{hostile} leaked another user's snippet"
        );
    }
    let (status, body) = stack.get("/snippets", &alice).await;
    assert_eq!((status, body["total"].as_i64()), (200, Some(4)));

    let (status, body) = stack
        .get(&format!("/search/similar/{search}"), &alice)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["source_snippet_id"], search.as_str());
    let similar = ids(&body["similar"]);
    assert!(!similar.contains(&search), "similar returned its source");
    assert!(!similar.contains(&secret));
    assert!(similar.len() <= 3, "{body}");
    let scores: Vec<f64> = body["similar"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|pair| pair[0] >= pair[1])
            && scores.iter().all(|score| (0.0..=1.0).contains(score)),
        "scores bounded and sorted: {scores:?}"
    );
    let (status, body) = stack.get(&format!("/search/similar/{search}"), &bob).await;
    assert_eq!(
        (status, body),
        (404, json!({"detail": "Snippet not found"}))
    );

    let (status, body) = stack
        .get(
            &format!("/search/complexity?complexity={}", encode("O(n**2)")),
            &alice,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["complexity_value"], "O(n^2)");
    assert_eq!(body["complexity_type"], "time");
    assert_eq!(ids(&body["results"]), vec![bubble.clone()]);
    let (status, _) = stack
        .get("/search/complexity?complexity=O(n)&type=memory", &alice)
        .await;
    assert_eq!(status, 422);

    let (status, _) = stack
        .call(Method::DELETE, &format!("/snippets/{bubble}"), &alice, None)
        .await;
    assert_eq!(status, 200);
    stack.drain().await;
    let (_, body) = stack
        .get(
            &format!("/search?q={}", encode("bubble sort values")),
            &alice,
        )
        .await;
    assert!(!ids(&body["results"]).contains(&bubble));
}

#[tokio::test]
async fn complexity_search_matches_normalised_notation() {
    let stack = stack().await;
    let alice = stack.token().await;
    let id = stack
        .save(
            &alice,
            "Pairs",
            "def pairs(xs):\n    return [(a, b) for a in xs for b in xs]\n",
        )
        .await;
    stack.drain().await;
    // A label written by hand (or by an older version) in another notation.
    sqlx::query("UPDATE snippets SET time_complexity = 'O(n²)' WHERE id = $1::uuid")
        .bind(&id)
        .execute(stack.store.pool())
        .await
        .expect("relabel");
    let (status, _) = stack
        .call(Method::POST, &format!("/snippets/{id}/star"), &alice, None)
        .await;
    assert_eq!(status, 200);
    stack.drain().await;
    for asked in ["O(n^2)", "O(n²)", "O(n**2)", "O(n * n)"] {
        let (_, body) = stack
            .get(
                &format!("/search/complexity?complexity={}", encode(asked)),
                &alice,
            )
            .await;
        assert_eq!(ids(&body["results"]), vec![id.clone()], "{asked}");
    }
}

#[tokio::test]
async fn search_answers_503_without_a_backend_and_validates_queries() {
    let stack = stack_with(false).await;
    let alice = stack.token().await;
    let (status, body) = stack.get("/search?q=binary", &alice).await;
    assert_eq!(
        (status, body),
        (503, json!({"detail": "Search service unavailable"}))
    );
    let (status, body) = stack.get("/search?q=ab", &alice).await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["loc"], json!(["query", "q"]));
    let (status, _) = stack.get("/search?q=abc&limit=51", &alice).await;
    assert_eq!(status, 422);
    let (status, _) = stack.get("/search/similar/not-a-uuid", &alice).await;
    assert_eq!(status, 422);
}
