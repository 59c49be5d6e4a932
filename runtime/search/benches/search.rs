//! Search latency on the postgres backend with the exact scan (no pgvector here) fused with full
//! text, as the API asks, beside vector-only as the baseline: p50/p95 over 10,000 snippets of one user, warm (vectors cached) and cold (cache disabled: every question
//! reads the vectors), with a 1,000-snippet user and the SQL-only structured path as baselines.
//!
//! Then the Neo4j backend on a throwaway Bolt server (ArcadeDB): its start, migrations to head and
//! a 1,000-snippet user's questions, beside the postgres backend's in the same run.
//!
//! Run: `cargo bench -p code-remote-search --bench search` (`SEARCH_BENCH_DIMENSIONS=384` for
//! the offline MiniLM's vector length).

use std::time::{Duration, Instant};

use chrono::Utc;
use code_remote_analysis::{Embedder, EmbeddingInput, HashedEmbedder};
use code_remote_domain::{SnippetId, UserId};
use code_remote_search::{
    FullText, PgSearch, SearchBackend, SearchFilters, SemanticQuery, SnippetDocument,
};
use futures_util::stream::{self, StreamExt};
use sqlx::PgPool;

const ALGORITHMS: [&str; 12] = [
    "binary search",
    "merge sort",
    "quick sort",
    "fibonacci memo",
    "two sum hash map",
    "sliding window maximum",
    "breadth first search grid",
    "depth first search graph",
    "knapsack dynamic programming",
    "dijkstra heap",
    "bubble sort",
    "longest common subsequence",
];
const QUERIES: [&str; 8] = [
    "binary search sorted array",
    "recursive fibonacci with memo",
    "sort a list quickly",
    "shortest path with a heap",
    "grid traversal queue",
    "knapsack table",
    "pairs that sum to target",
    "window over the array",
];

/// The vector length measured: `SEARCH_BENCH_DIMENSIONS`, default 768 (Gemini's); 384 is the
/// offline MiniLM's. Hashed vectors of that length cost the scan what real ones do.
fn dimension() -> usize {
    std::env::var("SEARCH_BENCH_DIMENSIONS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(768)
}

fn embedder() -> HashedEmbedder {
    HashedEmbedder::new(dimension())
}

async fn seed(pool: &PgPool, backend: &PgSearch, count: usize) -> UserId {
    let sub = uuid::Uuid::new_v4().to_string();
    let user: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO users (id, cognito_sub) VALUES (gen_random_uuid(), $1) RETURNING id",
    )
    .bind(&sub)
    .fetch_one(pool)
    .await
    .expect("user");
    let user = UserId::from_uuid(user);
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
        "INSERT INTO snippets (id, user_id, title, code)
         SELECT gen_random_uuid(), $1, 'snippet ' || i, 'pass' FROM generate_series(1, $2) AS i
         RETURNING id",
    )
    .bind(user.as_uuid())
    .bind(count as i32)
    .fetch_all(pool)
    .await
    .expect("snippets");
    store(backend, user, ids, 8).await;
    user
}

/// One document per id for `user`: titles and code from [`ALGORITHMS`], hashed vectors, written
/// `concurrency` at a time.
async fn store(
    backend: &dyn SearchBackend,
    user: UserId,
    ids: Vec<uuid::Uuid>,
    concurrency: usize,
) {
    let embedder = embedder();
    stream::iter(ids.into_iter().enumerate())
        .for_each_concurrent(concurrency, |(i, id)| {
            let embedder = embedder.clone();
            async move {
                let algorithm = ALGORITHMS[i % ALGORITHMS.len()];
                let title = format!("{algorithm} variant {i}");
                let code = format!(
                    "def {}_{i}(items):\n    return items\n",
                    algorithm.replace(' ', "_")
                );
                let text = EmbeddingInput {
                    title: Some(&title),
                    code: &code,
                    ..EmbeddingInput::default()
                }
                .render();
                let document = SnippetDocument {
                    snippet_id: SnippetId::from_uuid(id),
                    user_id: user,
                    title: Some(title),
                    description: None,
                    language: "python".into(),
                    time_complexity: Some("O(n)".into()),
                    space_complexity: Some("O(1)".into()),
                    patterns: Vec::new(),
                    embedding: embedder.embed_text(&text),
                    embedder: embedder.id(),
                    is_starred: i % 10 == 0,
                    updated_at: Utc::now(),
                };
                backend.upsert(&document).await.expect("upsert");
            }
        })
        .await;
}

/// What a measured question asks.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Filters only: SQL, no vectors.
    Structured,
    /// Vector similarity only (the baseline of the hybrid).
    Vector,
    /// Vector similarity fused with full-text matches, as the API asks.
    Hybrid,
}

async fn measure(
    backend: &dyn SearchBackend,
    user: UserId,
    mode: Mode,
    rounds: usize,
) -> (Duration, Duration) {
    let embedder = embedder();
    let mut times = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let text = QUERIES[round % QUERIES.len()];
        let started = Instant::now();
        let embedding = if mode == Mode::Structured {
            None
        } else {
            Some(embedder.embed_query(text).await.expect("embed"))
        };
        let query = SemanticQuery {
            embedding,
            text: if mode == Mode::Hybrid {
                FullText::parse(text)
            } else {
                None
            },
            filters: SearchFilters::default(),
            exclude: None,
            limit: 10,
            vector_space: Some(embedder.id()),
        };
        let hits = backend.search(user, &query).await.expect("search");
        times.push(started.elapsed());
        assert_eq!(hits.len(), 10);
    }
    times.sort();
    (times[times.len() / 2], times[times.len() * 95 / 100])
}

/// Each round changes one of the user's documents, then times one question.
async fn after_writes(backend: &PgSearch, user: UserId, rounds: usize) -> (Duration, Duration) {
    let embedder = embedder();
    let seed = SemanticQuery {
        embedding: Some(embedder.embed_query("binary search").await.expect("embed")),
        text: FullText::parse("binary search"),
        vector_space: Some(embedder.id()),
        filters: SearchFilters::default(),
        exclude: None,
        limit: 10,
    };
    let mut times = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let hit = backend.search(user, &seed).await.expect("search")[round % 10].clone();
        let document = SnippetDocument {
            snippet_id: hit.snippet_id,
            user_id: user,
            title: Some(format!("binary search edited {round}")),
            description: None,
            language: "python".into(),
            time_complexity: Some("O(log n)".into()),
            space_complexity: Some("O(1)".into()),
            patterns: Vec::new(),
            embedding: embedder.embed_text(&format!("binary search edited {round}")),
            embedder: embedder.id(),
            is_starred: false,
            updated_at: Utc::now(),
        };
        backend.upsert(&document).await.expect("upsert");
        let started = Instant::now();
        backend.search(user, &seed).await.expect("search");
        times.push(started.elapsed());
    }
    times.sort();
    (times[times.len() / 2], times[times.len() * 95 / 100])
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let (_database, pool) = code_remote_testkit::migrated_database().await;
    let warm = PgSearch::new(pool.clone()).await.expect("backend");
    let cold = warm.clone().with_cache_capacity(0);
    let started = Instant::now();
    let small = seed(&pool, &warm, 1_000).await;
    let large = seed(&pool, &warm, 10_000).await;
    println!(
        "seeded 11,000 documents ({}-d hashed embeddings) in {:.1} s; pgvector: {}",
        dimension(),
        started.elapsed().as_secs_f64(),
        warm.uses_pgvector()
    );
    let backend = warm;
    let rounds = 100;
    measure(&backend, large, Mode::Hybrid, 3).await;
    measure(&backend, small, Mode::Hybrid, 3).await;
    let (p50, p95) = measure(&backend, small, Mode::Hybrid, rounds).await;
    println!(
        "search, hybrid (exact scan + full text), warm, 1,000 snippets:  p50 {} p95 {}",
        ms(p50),
        ms(p95)
    );
    let (p50, p95) = measure(&backend, large, Mode::Hybrid, rounds).await;
    let target = if p50 < Duration::from_millis(20) {
        "met"
    } else {
        "MISSED"
    };
    println!(
        "search, hybrid (exact scan + full text), warm, 10,000 snippets: p50 {} p95 {} (target < 20 ms: {target})",
        ms(p50),
        ms(p95)
    );
    let (p50, p95) = measure(&backend, large, Mode::Vector, rounds).await;
    println!(
        "baseline: vector only (exact scan), warm, 10,000 snippets: p50 {} p95 {}",
        ms(p50),
        ms(p95)
    );
    let (p50, p95) = after_writes(&backend, large, 30).await;
    println!("hybrid right after a write by the same user (list re-read, one vector fetched), 10,000 snippets: p50 {} p95 {}", ms(p50), ms(p95));
    let (p50, p95) = measure(&cold, large, Mode::Hybrid, 20).await;
    println!(
        "hybrid, cold (vectors read every time), 10,000 snippets: p50 {} p95 {}",
        ms(p50),
        ms(p95)
    );
    let (p50, p95) = measure(&backend, large, Mode::Structured, rounds).await;
    println!(
        "structured only (SQL, no vectors), 10,000 snippets: p50 {} p95 {}",
        ms(p50),
        ms(p95)
    );

    bolt(&backend, small).await;
}

/// The Neo4j backend on a throwaway Bolt server (ArcadeDB, scripts/setup-bolt: no vector or
/// full-text index, so the exact scan), beside the postgres backend's 1,000-snippet user above.
async fn bolt(postgres: &PgSearch, postgres_user: UserId) {
    let started = Instant::now();
    let server = match code_remote_ephemeral_bolt::BoltServer::start().await {
        Ok(server) => server,
        Err(err) => {
            println!("neo4j backend: not measured ({err})");
            return;
        }
    };
    let start = started.elapsed();
    let started = Instant::now();
    let migrations = code_remote_migrations::neo4j::Neo4jBackend::connect(
        &server.credentials(),
        code_remote_migrations::neo4j::Neo4jSettings::with_embedding_dimension(dimension() as u32)
            .expect("dimension"),
    )
    .await
    .expect("connect");
    let history = code_remote_migrations::History::load(&code_remote_migrations::Source::embedded(
        code_remote_migrations::Dialect::Neo4j,
    ))
    .expect("revisions");
    let mut migrator = code_remote_migrations::Migrator::new(history, migrations);
    migrator
        .upgrade(&code_remote_migrations::Target::Head)
        .await
        .expect("migrated");
    let migrate = started.elapsed();
    let skipped = migrator.backend().skipped().len();
    let neo4j = code_remote_search::Neo4jSearch::connect(&server.credentials())
        .await
        .expect("connect");
    let user = UserId::generate();
    let started = Instant::now();
    // One at a time: concurrent writes to one user's node conflict on ArcadeDB and are retried.
    store(
        &neo4j,
        user,
        (0..1_000).map(|_| uuid::Uuid::new_v4()).collect(),
        1,
    )
    .await;
    let seeded = started.elapsed();
    measure(&neo4j, user, Mode::Hybrid, 3).await;
    let (p50, p95) = measure(&neo4j, user, Mode::Hybrid, 50).await;
    let (pg50, pg95) = measure(postgres, postgres_user, Mode::Hybrid, 50).await;
    println!(
        "neo4j backend on {}: started in {}, migrations to head in {} ({skipped} Neo4j-only statements skipped), 1,000 snippets stored in {:.1} s",
        server.server_name(),
        ms(start),
        ms(migrate),
        seeded.as_secs_f64()
    );
    println!(
        "search, hybrid, 1,000 snippets: neo4j backend ({}) p50 {} p95 {}; postgres backend p50 {} p95 {}",
        neo4j.ranking().await.expect("ranking"),
        ms(p50),
        ms(p95),
        ms(pg50),
        ms(pg95)
    );
}
