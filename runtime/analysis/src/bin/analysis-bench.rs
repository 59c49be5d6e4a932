//! Benchmarks of the analysis library, printed as figures: offline analysis latency per snippet
//! over the labelled dataset, hashed embedding latency, and search quality (recall@5 by exact
//! cosine over the dataset's snippets) against a keyword-overlap baseline.
//!
//! Run with `cargo run --release -p code-remote-analysis --bin analysis-bench`.

use std::collections::HashSet;
use std::error::Error;
use std::path::Path;
use std::time::{Duration, Instant};

use code_remote_analysis::dataset::{default_dir, load, score, LabelledSnippet};
use code_remote_analysis::embed::cosine;
use code_remote_analysis::offline::analyze_code;
use code_remote_analysis::{EmbeddingInput, HashedEmbedder};

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

/// The snippet as a user would save it: label headers removed.
fn user_code(s: &LabelledSnippet) -> String {
    s.code
        .lines()
        .filter(|l| {
            !(l.starts_with("# time:") || l.starts_with("# space:") || l.starts_with("# patterns:"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn short_name(s: &LabelledSnippet) -> String {
    s.name
        .split_once('_')
        .map_or(s.name.clone(), |(_, rest)| rest.to_string())
}

fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1)
        .map(str::to_lowercase)
        .collect()
}

fn recall_at_5(ranked: &[usize], names: &[String], relevant: &[String]) -> f64 {
    let top: HashSet<&String> = ranked.iter().take(5).map(|i| &names[*i]).collect();
    let hits = relevant.iter().filter(|r| top.contains(r)).count();
    hits as f64 / relevant.len().clamp(1, 5) as f64
}

fn rank(scores: &[f32]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
    idx
}

fn main() -> Result<(), Box<dyn Error>> {
    let snippets = load(&default_dir())?;
    let codes: Vec<String> = snippets.iter().map(user_code).collect();
    let names: Vec<String> = snippets.iter().map(short_name).collect();

    let s = score(&snippets);
    println!(
        "dataset: {} snippets; offline time accuracy {:.1}%, space accuracy {:.1}%, pattern recall {:.1}%",
        s.total,
        100.0 * s.time_accuracy(),
        100.0 * s.space_accuracy(),
        100.0 * s.pattern_recall()
    );

    let mut times = Vec::new();
    let mut analyses = Vec::new();
    for code in &codes {
        analyses.push(analyze_code(code).ok());
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
    let docs: Vec<String> = codes
        .iter()
        .zip(&analyses)
        .map(|(code, a)| {
            let time = a.as_ref().map(|r| r.time.notation());
            let space = a.as_ref().map(|r| r.space.notation());
            EmbeddingInput {
                title: None,
                description: None,
                time_complexity: time.as_deref(),
                space_complexity: space.as_deref(),
                code,
            }
            .render()
        })
        .collect();
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

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/search/queries.json");
    let set: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let queries = set["queries"].as_array().cloned().unwrap_or_default();
    let doc_words: Vec<HashSet<String>> = docs.iter().map(|d| words(d)).collect();
    let (mut hashed, mut baseline) = (0.0, 0.0);
    for q in &queries {
        let text = q["q"].as_str().unwrap_or_default();
        let relevant: Vec<String> = q["relevant"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let qv = embedder.embed_text(text);
        let scores: Vec<f32> = vectors.iter().map(|v| cosine(&qv, v)).collect();
        hashed += recall_at_5(&rank(&scores), &names, &relevant);
        let qw = words(text);
        let overlap: Vec<f32> = doc_words
            .iter()
            .map(|w| qw.intersection(w).count() as f32)
            .collect();
        baseline += recall_at_5(&rank(&overlap), &names, &relevant);
    }
    let n = queries.len().max(1) as f64;
    println!(
        "search quality over {} queries, {} documents (recall@5, exact cosine):",
        queries.len(),
        docs.len()
    );
    println!("  hashed embedder:          {:.3}", hashed / n);
    println!("  keyword-overlap baseline: {:.3}", baseline / n);
    println!("  gemini embedder:          not measured (Gemini is unreachable from this machine)");
    Ok(())
}
