//! Search quality on the project's labelled query set (73 questions over 81 snippets with the
//! titles and descriptions their user saved), asked through the postgres backend as the API asks
//! it: words only (PostgreSQL full text), vector only and the hybrid, for the hashed and the
//! offline MiniLM embedders. Gemini cannot be reached from here and is not measured.
//!
//! Run: `cargo bench -p code-remote-search --bench quality`.

use std::time::Instant;

use code_remote_analysis::dataset::{default_dir, load};
use code_remote_analysis::quality::{
    default_queries, default_saved, load_queries, load_saved, with_saved, Quality,
};
use code_remote_analysis::{Embedder, HashedEmbedder, MiniLmEmbedder};
use code_remote_search::quality::{measure, seed_postgres, Answer};
use code_remote_search::PgSearch;

fn line(name: &str, quality: Quality) {
    println!(
        "  {name:<34} recall@5 {:.3}  hit@3 {:.3}  MRR {:.3}",
        quality.recall_at_5, quality.hit_at_3, quality.mrr
    );
}

#[tokio::main]
async fn main() {
    let saved = load_saved(&default_saved()).expect("saved titles");
    let documents = with_saved(&load(&default_dir()).expect("dataset"), &saved);
    let queries = load_queries(&default_queries()).expect("query set");
    let (_database, pool) = code_remote_testkit::migrated_database().await;
    let backend = PgSearch::new(pool.clone()).await.expect("backend");
    println!(
        "search quality, {} questions over {} snippets with saved titles, through the postgres backend:",
        queries.len(),
        documents.len()
    );
    let started = Instant::now();
    let minilm = MiniLmEmbedder::load(&code_remote_minilm::checkout_dir());
    let load_time = started.elapsed();
    let mut embedders: Vec<(&str, Box<dyn Embedder>)> =
        vec![("hashed", Box::new(HashedEmbedder::new(384)))];
    match minilm {
        Ok(model) => embedders.push(("MiniLM", Box::new(model))),
        Err(err) => println!("  MiniLM: not measured ({err}; run scripts/setup-model)"),
    }
    let mut words_done = false;
    for (name, embedder) in &embedders {
        let started = Instant::now();
        let corpus = seed_postgres(&pool, &backend, embedder.as_ref(), &documents)
            .await
            .expect("seeded");
        let seeded = started.elapsed();
        if !words_done {
            let quality = measure(
                &backend,
                &corpus,
                embedder.as_ref(),
                &queries,
                Answer::Words,
            )
            .await
            .expect("words");
            line("full text only (keyword)", quality);
            words_done = true;
        }
        for (answer, label) in [(Answer::Vector, "vector only"), (Answer::Hybrid, "hybrid")] {
            let quality = measure(&backend, &corpus, embedder.as_ref(), &queries, answer)
                .await
                .expect("measured");
            line(&format!("{name} {label}"), quality);
        }
        println!(
            "    ({name}: {} snippets embedded and stored in {:.2} s, {:.1} snippets/s)",
            documents.len(),
            seeded.as_secs_f64(),
            documents.len() as f64 / seeded.as_secs_f64()
        );
    }
    println!(
        "  MiniLM model load: {:.0} ms",
        load_time.as_secs_f64() * 1000.0
    );
}
