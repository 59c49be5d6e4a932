//! The offline providers through their interfaces: empty code, syntax errors, streaming, and the
//! hashed embedder's determinism, normalisation, dimension and neighbourhoods.

use code_remote_analysis::dataset::{default_dir, load};
use code_remote_analysis::embed::cosine;
use code_remote_analysis::{
    AnalysisConfig, Analyzer, Embedder, EmbeddingInput, HashedEmbedder, OfflineAnalyzer, Providers,
    StreamEvent,
};
use futures_util::StreamExt;

#[tokio::test]
async fn empty_code_is_na_with_an_error() {
    let a = OfflineAnalyzer.analyze("   \n").await;
    assert!(!a.success);
    assert_eq!(a.time_complexity, "N/A");
    assert_eq!(a.space_complexity, "N/A");
    assert_eq!(a.error.as_deref(), Some("Empty code"));
}

#[tokio::test]
async fn syntax_errors_are_reported_not_panicked() {
    let a = OfflineAnalyzer.analyze("def f(:\n    return 1\n").await;
    assert!(!a.success);
    assert!(
        a.error.as_deref().is_some_and(|e| e.contains("line 1")),
        "{:?}",
        a.error
    );
}

#[tokio::test]
async fn narrative_has_the_sections_and_stream_ends_with_the_result() {
    let code =
        "def f(nums):\n    for x in nums:\n        for y in nums:\n            print(x, y)\n";
    let a = OfflineAnalyzer.analyze(code).await;
    assert!(a.success);
    assert_eq!(a.time_complexity, "O(n^2)");
    assert!(a.narrative.contains("### Algorithm"));
    assert!(a.narrative.contains("### Time Complexity: O(n^2)"));
    assert!(a.narrative.contains("### Space Complexity: O(1)"));
    assert!(a.patterns.contains(&"nested loops".to_string()));
    let events: Vec<StreamEvent> = OfflineAnalyzer.analyze_stream(code).await.collect().await;
    assert!(events.len() >= 4);
    assert_eq!(events.last(), Some(&StreamEvent::Complete(a)));
}

#[tokio::test]
async fn configuration_without_a_key_selects_offline_providers() {
    let p = Providers::from_config(&AnalysisConfig::default()).expect("providers");
    assert_eq!(
        p.analyzer.provider(),
        code_remote_analysis::ProviderKind::Heuristic
    );
    assert_eq!(p.embedder.name(), "hashed");
    assert_eq!(p.embedder.dimension(), 768);
}

#[tokio::test]
async fn hashed_embedder_is_deterministic_normalised_and_sized() {
    let e = HashedEmbedder::new(768);
    let texts = vec![
        "def binary_search(arr, x): pass".to_string(),
        "Title: BFS".to_string(),
    ];
    let a = e.embed_documents(&texts).await.expect("embed");
    let b = e.embed_documents(&texts).await.expect("embed");
    assert_eq!(a, b);
    for v in &a {
        assert_eq!(v.len(), 768);
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
    assert_eq!(HashedEmbedder::new(64).embed_text("x y z").len(), 64);
}

#[test]
fn similar_code_is_closer_than_unrelated_code() {
    let snippets = load(&default_dir()).expect("dataset");
    let code = |stem: &str| {
        snippets
            .iter()
            .find(|s| s.name.ends_with(stem))
            .map(|s| s.code.clone())
            .expect("snippet")
    };
    let e = HashedEmbedder::default();
    let doc = |c: &str| {
        e.embed_text(
            &EmbeddingInput {
                code: c,
                ..EmbeddingInput::default()
            }
            .render(),
        )
    };
    let bs_iter = doc(&code("binary_search_iterative"));
    let bs_lower = doc(&code("lower_bound"));
    let fib = doc(&code("fib_naive"));
    let fib_memo = doc(&code("fib_lru_cache"));
    let bfs = doc(&code("bfs_graph"));
    assert!(cosine(&bs_iter, &bs_lower) > cosine(&bs_iter, &fib));
    assert!(cosine(&fib, &fib_memo) > cosine(&fib, &bfs));
    let q = e.embed_text("recursive fibonacci");
    assert!(cosine(&q, &fib) > cosine(&q, &bfs));
}
