//! The neo4j backend against a real Neo4j, when `NEO4J_URI` (and `NEO4J_PASSWORD`, optionally
//! `NEO4J_USER`) point at one whose schema was migrated (`deploy migrate` / the neo4j revisions).
//! Without it the test prints a SKIPPED line: no Neo4j can run on the machines this is built on.

use chrono::Utc;
use code_remote_analysis::intent::ComplexityKind;
use code_remote_domain::{SnippetId, UserId};
use code_remote_search::neo4j::Neo4jConfig;
use code_remote_search::{Neo4jSearch, SearchBackend, SemanticQuery, SnippetDocument};

fn config() -> Option<Neo4jConfig> {
    let uri = std::env::var("NEO4J_URI").ok().filter(|u| !u.is_empty())?;
    Some(Neo4jConfig {
        uri,
        user: std::env::var("NEO4J_USER").unwrap_or_else(|_| "neo4j".into()),
        password: std::env::var("NEO4J_PASSWORD").unwrap_or_default().into(),
        database: std::env::var("NEO4J_DATABASE").ok(),
    })
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
    let Some(config) = config() else {
        println!("SKIPPED: no Neo4j (set NEO4J_URI)");
        return;
    };
    let backend = Neo4jSearch::connect(&config).await.expect("connect");
    let (alice, bob) = (UserId::generate(), UserId::generate());
    let a = document(alice, "a", 1, "O(n²)");
    let b = document(alice, "b", 2, "O(n)");
    let foreign = document(bob, "bob", 1, "O(n^2)");
    for doc in [&a, &b, &foreign] {
        backend.upsert(doc).await.expect("upsert");
    }
    let query = SemanticQuery {
        embedding: Some(unit(768, 1)),
        limit: 10,
        ..SemanticQuery::default()
    };
    let hits = backend.search(alice, &query).await.expect("search");
    assert_eq!(hits.first().map(|h| h.snippet_id), Some(a.snippet_id));
    assert!(hits.iter().all(|h| h.snippet_id != foreign.snippet_id));
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
