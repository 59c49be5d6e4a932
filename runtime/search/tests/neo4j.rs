//! The neo4j backend against a real Bolt server: the Neo4j of `NEO4J_URI` (with `NEO4J_PASSWORD`,
//! optionally `NEO4J_USER` and `NEO4J_DATABASE`) when set, otherwise a throwaway ArcadeDB
//! (scripts/setup-bolt), migrated to head first. On ArcadeDB, which has no vector or full-text
//! index, the backend ranks by its exact scan and says so (`ranking`).

use chrono::Utc;
use code_remote_analysis::intent::ComplexityKind;
use code_remote_config::{Env, Neo4jCredentials};
use code_remote_domain::{SnippetId, UserId};
use code_remote_ephemeral_bolt::BoltServer;
use code_remote_search::{FullText, Neo4jSearch, SearchBackend, SemanticQuery, SnippetDocument};

/// The server and its configuration; the throwaway server lives as long as this.
async fn server() -> (Neo4jCredentials, Option<BoltServer>) {
    let given = Neo4jCredentials::load_optional(&Env::process())
        .unwrap_or_else(|err| panic!("the NEO4J_* variables: {err}"));
    if let Some(credentials) = given {
        return (credentials, None);
    }
    let bolt = BoltServer::start()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    (bolt.credentials(), Some(bolt))
}

/// Runs the Neo4j revisions to head, as `deploy migrate --db neo4j` does.
async fn migrate(config: &Neo4jCredentials) {
    use code_remote_migrations::neo4j::{Neo4jBackend, Neo4jSettings};
    use code_remote_migrations::{Dialect, History, Migrator, Source, Target};
    let backend = Neo4jBackend::connect(
        config,
        Neo4jSettings::with_embedding_dimension(768).expect("dimension"),
    )
    .await
    .expect("connect");
    let history = History::load(&Source::embedded(Dialect::Neo4j)).expect("revisions");
    Migrator::new(history, backend)
        .upgrade(&Target::Head)
        .await
        .expect("migrated");
}

fn unit(dimension: usize, hot: usize) -> Vec<f32> {
    (0..dimension)
        .map(|i| if i == hot { 1.0 } else { 0.0 })
        .collect()
}

fn document(user: UserId, title: &str, hot: usize, time: &str) -> SnippetDocument {
    SnippetDocument {
        snippet_id: SnippetId::generate(),
        user_id: user,
        title: Some(title.into()),
        description: None,
        language: "Brainfuck".into(),
        time_complexity: Some(time.into()),
        space_complexity: Some("O(1)".into()),
        patterns: vec!["recursion".into()],
        embedding: unit(768, hot),
        embedder: "test/768".into(),
        is_starred: false,
        updated_at: Utc::now(),
    }
}

#[tokio::test]
async fn neo4j_backend_round_trip() {
    let (config, throwaway) = server().await;
    migrate(&config).await;
    let backend = Neo4jSearch::connect(&config).await.expect("connect");
    let ranking = backend.ranking().await.expect("ranking");
    println!(
        "server: {}; ranking: {ranking}",
        throwaway
            .as_ref()
            .map_or("the Neo4j of NEO4J_URI".to_owned(), BoltServer::server_name)
    );
    if throwaway.is_some() {
        assert!(ranking.starts_with("exact scan"), "{ranking}");
    }
    let (alice, bob) = (UserId::generate(), UserId::generate());
    let a = document(alice, "quick sort", 1, "O(n²)");
    let b = document(alice, "binary search", 2, "O(n)");
    let foreign = document(bob, "Bob's binary search", 1, "O(n^2)");
    for doc in [&a, &b, &foreign] {
        backend.upsert(doc).await.expect("upsert");
    }
    let query = SemanticQuery {
        embedding: Some(unit(768, 1)),
        vector_space: Some("test/768".into()),
        limit: 10,
        ..SemanticQuery::default()
    };
    let hits = backend.search(alice, &query).await.expect("search");
    assert_eq!(hits.first().map(|h| h.snippet_id), Some(a.snippet_id));
    assert!(hits.iter().all(|h| h.snippet_id != foreign.snippet_id));
    assert!(
        (hits[0].score - 1.0).abs() < 1e-3,
        "the cosine itself: {hits:?}"
    );

    // Words: the title of b, fused with a vector close to none; Bob's twin never shows.
    let words = SemanticQuery {
        embedding: Some(unit(768, 7)),
        vector_space: Some("test/768".into()),
        text: FullText::parse("the binary search"),
        limit: 10,
        ..SemanticQuery::default()
    };
    let hits = backend.search(alice, &words).await.expect("words");
    assert_eq!(
        hits.first().map(|h| h.snippet_id),
        Some(b.snippet_id),
        "{hits:?}"
    );
    assert!(hits.iter().all(|h| h.snippet_id != foreign.snippet_id));
    // Another embedder's question compares no vector: a is not first by meaning any more.
    let elsewhere = SemanticQuery {
        vector_space: Some("other/768".into()),
        ..query.clone()
    };
    let hits = backend.search(alice, &elsewhere).await.expect("search");
    assert!(hits.iter().all(|h| h.score < 0.5), "{hits:?}");
    let spaces = backend.vector_spaces().await.expect("spaces");
    assert_eq!(spaces, vec![("test/768".to_owned(), 3)]);
    let by = backend
        .by_complexity(alice, ComplexityKind::Time, "O(n^2)", 10)
        .await
        .expect("complexity");
    assert_eq!(
        by.iter().map(|h| h.snippet_id).collect::<Vec<_>>(),
        vec![a.snippet_id]
    );
    let similar = backend
        .similar(alice, a.snippet_id, 5)
        .await
        .expect("similar")
        .expect("owned");
    assert!(similar.iter().all(|h| h.snippet_id != a.snippet_id));
    assert!(backend
        .similar(bob, a.snippet_id, 5)
        .await
        .expect("similar")
        .is_none());
    for doc in [&a, &b, &foreign] {
        backend.delete(doc.snippet_id).await.expect("delete");
    }
    assert!(backend
        .search(alice, &query)
        .await
        .expect("search")
        .is_empty());
}

#[tokio::test]
async fn concurrent_first_writes_of_one_user_all_land() {
    let (config, _throwaway) = server().await;
    migrate(&config).await;
    let backend = Neo4jSearch::connect(&config).await.expect("connect");
    let user = UserId::generate();
    let documents: Vec<SnippetDocument> = (0..8)
        .map(|i| document(user, &format!("snippet {i}"), i, "O(n)"))
        .collect();
    // Every write MERGEs the same new user at once: the server must not lose any of them.
    let writes = documents.iter().map(|doc| backend.upsert(doc));
    for outcome in futures_util::future::join_all(writes).await {
        outcome.expect("upsert");
    }
    let query = SemanticQuery {
        text: FullText::parse("snippet"),
        limit: 20,
        ..SemanticQuery::default()
    };
    let hits = backend.search(user, &query).await.expect("search");
    assert_eq!(hits.len(), 8, "{hits:?}");
}
