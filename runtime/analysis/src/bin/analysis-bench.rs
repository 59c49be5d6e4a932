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
    let queries: Vec<(String, Vec<String>)> = set["queries"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|q| {
            let relevant = q["relevant"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            (q["q"].as_str().unwrap_or_default().to_owned(), relevant)
        })
        .collect();
    let doc_words: Vec<HashSet<String>> = docs.iter().map(|d| words(d)).collect();
    let keyword: Vec<Vec<usize>> = queries
        .iter()
        .map(|(text, _)| {
            let qw = words(text);
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
        .map(|(text, _)| {
            let qv = embedder.embed_text(text);
            rank(&vectors.iter().map(|v| cosine(&qv, v)).collect::<Vec<_>>())
        })
        .collect();
    println!(
        "search quality over {} queries, {} documents (exact ranking):",
        queries.len(),
        docs.len()
    );
    let report = |name: &str, rankings: &[Vec<usize>]| {
        let m = Quality::of(rankings, &queries, &names);
        println!(
            "  {name:<26} recall@5 {:.3}  hit@3 {:.3}  MRR {:.3}",
            m.recall_at_5, m.hit_at_3, m.mrr
        );
    };
    report("keyword overlap", &keyword);
    report("hashed embedder", &hashed);
    match minilm_rankings(&docs, &queries) {
        Ok(minilm) => {
            report("MiniLM embedder", &minilm);
            let hybrid: Vec<Vec<usize>> = keyword
                .iter()
                .zip(&minilm)
                .map(|(k, m)| reciprocal_rank_fusion(&[k, m], docs.len()))
                .collect();
            report("hybrid (RRF keyword+MiniLM)", &hybrid);
        }
        Err(err) => println!("  MiniLM embedder:           not measured ({err})"),
    }
    println!(
        "  gemini embedder:            not measured (Gemini is unreachable from this machine)"
    );
    Ok(())
}

/// Search-quality figures of one ranking method.
struct Quality {
    recall_at_5: f64,
    hit_at_3: f64,
    mrr: f64,
}

impl Quality {
    fn of(rankings: &[Vec<usize>], queries: &[(String, Vec<String>)], names: &[String]) -> Self {
        let n = queries.len().max(1) as f64;
        let mut quality = Quality {
            recall_at_5: 0.0,
            hit_at_3: 0.0,
            mrr: 0.0,
        };
        for (ranked, (_, relevant)) in rankings.iter().zip(queries) {
            quality.recall_at_5 += recall_at_5(ranked, names, relevant) / n;
            let first = ranked.iter().position(|i| relevant.contains(&names[*i]));
            if first.is_some_and(|p| p < 3) {
                quality.hit_at_3 += 1.0 / n;
            }
            quality.mrr += first.map_or(0.0, |p| 1.0 / (p as f64 + 1.0)) / n;
        }
        quality
    }
}

/// Reciprocal rank fusion (k = 60) of several rankings of the same documents.
fn reciprocal_rank_fusion(rankings: &[&Vec<usize>], documents: usize) -> Vec<usize> {
    let mut fused = vec![0f32; documents];
    for ranking in rankings {
        for (position, document) in ranking.iter().enumerate() {
            fused[*document] += 1.0 / (60.0 + position as f32 + 1.0);
        }
    }
    rank(&fused)
}

/// Rankings by all-MiniLM-L6-v2 from `.models/` (scripts/setup-model), with its load time and
/// document throughput printed.
fn minilm_rankings(
    docs: &[String],
    queries: &[(String, Vec<String>)],
) -> Result<Vec<Vec<usize>>, Box<dyn Error>> {
    let dir = std::env::var_os("MINILM_MODEL_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.models/all-MiniLM-L6-v2")
        });
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
    for (text, _) in queries {
        let started = Instant::now();
        let qv = model.embed(&[text.as_str()])?.remove(0);
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
