//! The postgres backend's hybrid ranking against a real PostgreSQL: word matches fused with
//! vector similarity, scoped to the asking user, and vectors of another embedder never compared
//! (docs/search.md).

use chrono::Utc;
use code_remote_domain::{SnippetId, UserId};
use code_remote_search::{FullText, PgSearch, SearchBackend, SemanticQuery, SnippetDocument};
use sqlx::PgPool;

async fn user(pool: &PgPool) -> UserId {
    let id: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO users (id, cognito_sub) VALUES (gen_random_uuid(), gen_random_uuid()::text)
         RETURNING id",
    )
    .fetch_one(pool)
    .await
    .expect("user");
    UserId::from_uuid(id)
}

/// A saved snippet and its search document.
async fn save(
    pool: &PgPool,
    backend: &PgSearch,
    owner: UserId,
    title: &str,
    description: Option<&str>,
    embedding: Vec<f32>,
    embedder: &str,
) -> SnippetId {
    let id: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO snippets (id, user_id, title, code) VALUES (gen_random_uuid(), $1, $2, 'pass')
         RETURNING id",
    )
    .bind(owner.as_uuid())
    .bind(title)
    .fetch_one(pool)
    .await
    .expect("snippet");
    let snippet_id = SnippetId::from_uuid(id);
    backend
        .upsert(&SnippetDocument {
            snippet_id,
            user_id: owner,
            title: Some(title.into()),
            description: description.map(str::to_owned),
            language: "python".into(),
            time_complexity: Some("O(log n)".into()),
            space_complexity: Some("O(1)".into()),
            patterns: vec!["binary search".into()],
            embedding,
            embedder: embedder.into(),
            is_starred: false,
            updated_at: Utc::now(),
        })
        .await
        .expect("upsert");
    snippet_id
}

fn question(embedding: Option<Vec<f32>>, words: &str, space: &str) -> SemanticQuery {
    SemanticQuery {
        vector_space: embedding.as_ref().map(|_| space.to_owned()),
        embedding,
        text: FullText::parse(words),
        limit: 10,
        ..SemanticQuery::default()
    }
}

#[tokio::test]
async fn words_and_vectors_fuse_within_one_user_and_one_vector_space() {
    let (_database, pool) = code_remote_testkit::migrated_database().await;
    let backend = PgSearch::new(pool.clone()).await.expect("backend");
    let (alice, bob) = (user(&pool).await, user(&pool).await);
    let near = vec![1.0, 0.0, 0.0];
    let far = vec![0.0, 1.0, 0.0];
    let lookup = save(
        &pool,
        &backend,
        alice,
        "find",
        Some("Looks a value up in a sorted list"),
        far.clone(),
        "model/3",
    )
    .await;
    let close = save(
        &pool,
        &backend,
        alice,
        "walk",
        None,
        near.clone(),
        "model/3",
    )
    .await;
    let old = save(
        &pool,
        &backend,
        alice,
        "scan",
        None,
        near.clone(),
        "older/3",
    )
    .await;
    // Written before embedders were recorded (upgraded to 0009): still compared.
    let legacy = save(
        &pool,
        &backend,
        alice,
        "legacy",
        None,
        vec![0.8, 0.6, 0.0],
        "",
    )
    .await;
    let secret = save(
        &pool,
        &backend,
        bob,
        "a value in a sorted list",
        Some("Looks a value up in a sorted list"),
        near.clone(),
        "model/3",
    )
    .await;

    // Vector only: the close vector first; the one another embedder wrote is not compared.
    let hits = backend
        .search(alice, &question(Some(near.clone()), "", "model/3"))
        .await
        .expect("search");
    let ids: Vec<SnippetId> = hits.iter().map(|h| h.snippet_id).collect();
    assert_eq!(ids.first(), Some(&close));
    let old_score = hits.iter().find(|h| h.snippet_id == old).map(|h| h.score);
    assert_eq!(old_score, Some(0.0), "another embedder's vector scores 0");
    let legacy_score = hits
        .iter()
        .find(|h| h.snippet_id == legacy)
        .map(|h| h.score);
    assert!(
        legacy_score.is_some_and(|s| (s - 0.8).abs() < 1e-3),
        "a vector of unrecorded provenance is compared: {hits:?}"
    );
    assert!(!ids.contains(&secret));

    // Words lift the described snippet over its vector's distance; Bob's twin never shows.
    let hits = backend
        .search(
            alice,
            &question(Some(far.clone()), "value in a sorted list", "model/3"),
        )
        .await
        .expect("search");
    assert_eq!(hits.first().map(|h| h.snippet_id), Some(lookup));
    let described = hits[0].score;
    let plain = backend
        .search(alice, &question(Some(far.clone()), "", "model/3"))
        .await
        .expect("search");
    assert!(described > plain[0].score, "{described} vs {plain:?}");
    assert!(hits.iter().all(|h| h.snippet_id != secret));

    // Words only (no embedding): matches by title, description and analysis terms, in [0, 1].
    let hits = backend
        .search(alice, &question(None, "sorted list value", "model/3"))
        .await
        .expect("words");
    assert_eq!(
        hits.iter().map(|h| h.snippet_id).collect::<Vec<_>>(),
        [lookup]
    );
    assert!((0.0..=1.0).contains(&hits[0].score));
    let analysis = backend
        .search(alice, &question(None, "logarithmic", "model/3"))
        .await
        .expect("analysis words");
    assert_eq!(
        analysis.len(),
        4,
        "the growth class is searchable: {analysis:?}"
    );

    // Hostile words never reach the engine as operators.
    for hostile in ["\"unterminated", "!!! & | <-> :*", "' OR 1=1 --", "\u{0}x"] {
        backend
            .search(alice, &question(None, hostile, "model/3"))
            .await
            .unwrap_or_else(|err| panic!("{hostile:?}: {err}"));
    }

    // Re-embedding the old document (what `deploy graph resync` does) makes it comparable.
    save_again(&backend, alice, old, near.clone()).await;
    let hits = backend
        .search(alice, &question(Some(near), "", "model/3"))
        .await
        .expect("search");
    let old_score = hits.iter().find(|h| h.snippet_id == old).map(|h| h.score);
    assert!(old_score.is_some_and(|s| s > 0.9), "{hits:?}");
}

async fn save_again(backend: &PgSearch, owner: UserId, id: SnippetId, embedding: Vec<f32>) {
    backend
        .upsert(&SnippetDocument {
            snippet_id: id,
            user_id: owner,
            title: Some("scan".into()),
            description: None,
            language: "python".into(),
            time_complexity: Some("O(log n)".into()),
            space_complexity: Some("O(1)".into()),
            patterns: vec!["binary search".into()],
            embedding,
            embedder: "model/3".into(),
            is_starred: false,
            updated_at: Utc::now(),
        })
        .await
        .expect("re-embedded");
}
