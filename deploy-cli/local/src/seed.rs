//! The demo data: a confirmed user with a password (created while the services start), and a few
//! snippets saved through the API with that user's token (so the same sync events fire as for any user's saves).

use serde_json::json;

use code_remote_moto::{Cognito, UserPool};

use crate::state::DemoUser;
use crate::Error;

/// The demo snippets: title, description, code.
const SNIPPETS: &[(&str, &str, &str)] = &[
    (
        "Binary search",
        "Halves the search range each step.",
        "def binary_search(items, target):\n    lo, hi = 0, len(items) - 1\n    while lo <= hi:\n        mid = (lo + hi) // 2\n        if items[mid] == target:\n            return mid\n        if items[mid] < target:\n            lo = mid + 1\n        else:\n            hi = mid - 1\n    return -1\n\nprint(binary_search(list(range(100)), 42))\n",
    ),
    (
        "Bubble sort",
        "Swaps neighbours until nothing moves.",
        "def bubble_sort(items):\n    items = list(items)\n    for i in range(len(items)):\n        for j in range(len(items) - i - 1):\n            if items[j] > items[j + 1]:\n                items[j], items[j + 1] = items[j + 1], items[j]\n    return items\n\nprint(bubble_sort([5, 2, 9, 1, 7]))\n",
    ),
    (
        "Fibonacci with memo",
        "Each value is computed once.",
        "from functools import lru_cache\n\n@lru_cache(maxsize=None)\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\nprint([fib(i) for i in range(15)])\n",
    ),
];

/// Creates the demo user in the pool and signs it in; returns the user and its ID token.
pub async fn demo_user(cognito: &Cognito, pool: &UserPool) -> Result<(DemoUser, String), Error> {
    let demo = DemoUser {
        username: "demo".to_owned(),
        password: "Demo-password-1".to_owned(),
    };
    cognito
        .ensure_user(pool, &demo.username, &demo.password)
        .await?;
    let token = cognito
        .id_token(pool, &demo.username, &demo.password)
        .await?;
    Ok((demo, token))
}

/// Saves the demo snippets through the API with the demo user's `token`.
pub async fn snippets(api_url: &str, token: &str) -> Result<(), Error> {
    let http = reqwest::Client::new();
    for (title, description, code) in SNIPPETS {
        let response = http
            .post(format!("{api_url}/snippets"))
            .bearer_auth(token)
            .json(&json!({
                "title": title,
                "description": description,
                "code": code,
                "language": "python",
            }))
            .send()
            .await
            .map_err(|e| Error::http("saving a demo snippet", e))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(Error::http(
                "saving a demo snippet",
                format!("the API answered {status}: {body}"),
            ));
        }
    }
    Ok(())
}
