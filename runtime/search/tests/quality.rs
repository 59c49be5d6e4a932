//! The hybrid search holds its measured quality on the project's labelled query set, asked
//! through the postgres backend the way the API asks it (docs/search.md). The offline model is
//! deterministic, so these are exact figures, not timings.

use code_remote_analysis::dataset::{default_dir, load};
use code_remote_analysis::quality::{
    default_queries, default_saved, load_queries, load_saved, with_saved,
};
use code_remote_analysis::MiniLmEmbedder;
use code_remote_search::quality::{measure, seed_postgres, Answer};
use code_remote_search::PgSearch;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hybrid_search_finds_what_people_mean_better_than_either_half() {
    let minilm = MiniLmEmbedder::load(&code_remote_minilm::checkout_dir())
        .unwrap_or_else(|err| panic!("{err}: run scripts/setup-model"));
    let saved = load_saved(&default_saved()).expect("saved titles");
    let documents = with_saved(&load(&default_dir()).expect("dataset"), &saved);
    let queries = load_queries(&default_queries()).expect("query set");
    assert!(queries.len() >= 60 && documents.len() >= 40);

    let (_database, pool) = code_remote_testkit::migrated_database().await;
    let backend = PgSearch::new(pool.clone()).await.expect("backend");
    let corpus = seed_postgres(&pool, &backend, &minilm, &documents)
        .await
        .expect("seeded");
    let hybrid = measure(&backend, &corpus, &minilm, &queries, Answer::Hybrid)
        .await
        .expect("hybrid");
    let vector = measure(&backend, &corpus, &minilm, &queries, Answer::Vector)
        .await
        .expect("vector");
    let words = measure(&backend, &corpus, &minilm, &queries, Answer::Words)
        .await
        .expect("words");
    println!("hybrid {hybrid:?}\nvector {vector:?}\nwords {words:?}");
    assert!(hybrid.hit_at_3 >= 0.8, "{hybrid:?}");
    assert!(hybrid.mrr >= 0.75, "{hybrid:?}");
    assert!(
        hybrid.hit_at_3 >= vector.hit_at_3 && hybrid.mrr >= vector.mrr,
        "word matches must not cost the vector ranking: {hybrid:?} vs {vector:?}"
    );
    assert!(hybrid.hit_at_3 > words.hit_at_3, "{hybrid:?} vs {words:?}");
    assert!(words.hit_at_3 > 0.2, "full text finds titles: {words:?}");
}
