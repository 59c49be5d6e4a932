//! Benchmarks of the analysis library, printed as figures: offline analysis latency per snippet
//! over the labelled dataset, hashed embedding latency, and search quality (recall@5 by exact
//! cosine over the dataset's snippets) against a keyword-overlap baseline.
//!
//! Run with `cargo run --release -p code-remote-analysis --bin analysis-bench`.

use std::collections::HashSet;
use std::error::Error;
use std::time::{Duration, Instant};

use code_remote_analysis::dataset::{default_dir, load, score};
use code_remote_analysis::embed::cosine;
use code_remote_analysis::offline::analyze_code;
use code_remote_analysis::quality::{
    default_queries, load_queries, rank, LabelledDocument, LabelledQuery, Quality,
};
use code_remote_analysis::HashedEmbedder;

const ROUNDS: usize = 20;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn fmt(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1)
        .map(str::to_lowercase)
        .collect()
}

fn main() -> Result<(), Box<dyn Error>> {
    let snippets = load(&default_dir())?;
    let labelled: Vec<LabelledDocument> = snippets
        .iter()
        .map(|s| LabelledDocument::new(s, None))
        .collect();
    let codes: Vec<String> = labelled.iter().map(|d| d.code.clone()).collect();
    let names: Vec<String> = labelled.iter().map(|d| d.name.clone()).collect();
    let docs: Vec<String> = labelled
        .iter()
        .map(LabelledDocument::embedding_input)
        .collect();

    let s = score(&snippets);
    println!(
        "dataset: {} snippets; offline time accuracy {:.1}%, space accuracy {:.1}%, pattern recall {:.1}%",
        s.total,
        100.0 * s.time_accuracy(),
        100.0 * s.space_accuracy(),
        100.0 * s.pattern_recall()
    );

    let mut times = Vec::new();
    for code in &codes {
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let r = analyze_code(code);
            times.push(t.elapsed());
            std::hint::black_box(r.is_ok());
        }
    }
    times.sort();
    println!(
        "offline analysis latency per snippet ({} runs): p50 {}, p99 {}, max {}",
        times.len(),
        fmt(percentile(&times, 0.5)),
        fmt(percentile(&times, 0.99)),
        fmt(percentile(&times, 1.0))
    );

    let embedder = HashedEmbedder::default();
    let mut etimes = Vec::new();
    let mut vectors = Vec::new();
    for d in &docs {
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let v = embedder.embed_text(d);
            etimes.push(t.elapsed());
            std::hint::black_box(v.len());
        }
        vectors.push(embedder.embed_text(d));
    }
    etimes.sort();
    println!(
        "hashed embedding latency per document (768 dims, {} runs): p50 {}, p99 {}",
        etimes.len(),
        fmt(percentile(&etimes, 0.5)),
        fmt(percentile(&etimes, 0.99))
    );

    let queries = load_queries(&default_queries())?;
    let doc_words: Vec<HashSet<String>> = docs.iter().map(|d| words(d)).collect();
    let keyword: Vec<Vec<usize>> = queries
        .iter()
        .map(|query| {
            let qw = words(&query.text);
            rank(
                &doc_words
                    .iter()
                    .map(|w| qw.intersection(w).count() as f32)
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let hashed: Vec<Vec<usize>> = queries
        .iter()
        .map(|query| {
            let qv = embedder.embed_text(&query.text);
            rank(&vectors.iter().map(|v| cosine(&qv, v)).collect::<Vec<_>>())
        })
        .collect();
    println!(
        "search quality over {} queries, {} documents of code only (exact ranking; with titles and \
         through the search backends: cargo bench -p code-remote-search --bench quality):",
        queries.len(),
        docs.len()
    );
    let report = |name: &str, rankings: &[Vec<usize>]| {
        let m = Quality::of(rankings, &queries, &names);
        println!(
            "  {name:<28} recall@5 {:.3}  hit@3 {:.3}  MRR {:.3}",
            m.recall_at_5, m.hit_at_3, m.mrr
        );
    };
    report("keyword overlap", &keyword);
    report("hashed embedder", &hashed);
    match minilm_rankings(&docs, &queries) {
        Ok(minilm) => report("MiniLM embedder", &minilm),
        Err(err) => println!("  MiniLM embedder:             not measured ({err})"),
    }
    println!(
        "  gemini embedder:              not measured (Gemini is unreachable from this machine)"
    );
    Ok(())
}

/// Rankings by all-MiniLM-L6-v2 from `.models/` (scripts/setup-model), with its load time and
/// document throughput printed.
fn minilm_rankings(
    docs: &[String],
    queries: &[LabelledQuery],
) -> Result<Vec<Vec<usize>>, Box<dyn Error>> {
    let dir = code_remote_minilm::checkout_dir();
    let started = Instant::now();
    let model = code_remote_minilm::MiniLm::load(&dir)?;
    let loaded = started.elapsed();
    let started = Instant::now();
    let mut vectors = Vec::new();
    for batch in docs.chunks(8) {
        let batch: Vec<&str> = batch.iter().map(String::as_str).collect();
        vectors.extend(model.embed(&batch)?);
    }
    let embedded = started.elapsed();
    let mut query_times = Vec::new();
    let mut rankings = Vec::new();
    for query in queries {
        let started = Instant::now();
        let qv = model.embed(&[query.text.as_str()])?.remove(0);
        query_times.push(started.elapsed());
        rankings.push(rank(
            &vectors.iter().map(|v| cosine(&qv, v)).collect::<Vec<_>>(),
        ));
    }
    query_times.sort();
    println!(
        "MiniLM: model load {}, {} documents in {} ({:.1} documents/s, batches of 8), query embedding p50 {}",
        fmt(loaded),
        docs.len(),
        fmt(embedded),
        docs.len() as f64 / embedded.as_secs_f64(),
        fmt(percentile(&query_times, 0.5))
    );
    Ok(rankings)
}
