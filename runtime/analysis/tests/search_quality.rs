//! The offline semantic embedder holds its measured quality on the project's query set
//! (docs/analysis.md): a tokenizer, pooling or embedding-input change that hurts search fails
//! here. The model is deterministic, so these are exact figures, not timings.

use code_remote_analysis::dataset::{default_dir, load};
use code_remote_analysis::embed::cosine;
use code_remote_analysis::quality::{
    default_queries, load_queries, rank, LabelledDocument, Quality,
};
use code_remote_analysis::{Embedder, HashedEmbedder, MiniLmEmbedder};

async fn quality(embedder: &dyn Embedder) -> Quality {
    let snippets = load(&default_dir()).expect("dataset");
    let labelled: Vec<LabelledDocument> = snippets
        .iter()
        .map(|s| LabelledDocument::new(s, None))
        .collect();
    let names: Vec<String> = labelled.iter().map(|d| d.name.clone()).collect();
    let docs: Vec<String> = labelled
        .iter()
        .map(LabelledDocument::embedding_input)
        .collect();
    let queries = load_queries(&default_queries()).expect("query set");
    assert!(queries.len() >= 60, "the set keeps at least 60 questions");
    let vectors = embedder.embed_documents(&docs).await.expect("documents");
    let mut rankings = Vec::new();
    for query in &queries {
        let qv = embedder.embed_query(&query.text).await.expect("query");
        rankings.push(rank(
            &vectors.iter().map(|v| cosine(&qv, v)).collect::<Vec<_>>(),
        ));
    }
    Quality::of(&rankings, &queries, &names)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn minilm_finds_what_people_mean_and_beats_the_hashed_embedder() {
    let minilm = MiniLmEmbedder::load(&code_remote_minilm::checkout_dir())
        .unwrap_or_else(|err| panic!("{err}: run scripts/setup-model"));
    let semantic = quality(&minilm).await;
    let hashed = quality(&HashedEmbedder::default()).await;
    println!("MiniLM {semantic:?}\nhashed {hashed:?}");
    assert!(semantic.hit_at_3 >= 0.8, "{semantic:?}");
    assert!(semantic.mrr >= 0.7, "{semantic:?}");
    assert!(
        semantic.hit_at_3 > hashed.hit_at_3 + 0.2,
        "{semantic:?} vs {hashed:?}"
    );
}
