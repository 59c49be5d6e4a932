//! Search quality over the project's labelled query set (`tests/data/search/queries.json`):
//! each question names the dataset snippets a person expects near the top, and a ranking method
//! is judged by recall@5, hit@3 and mean reciprocal rank. `analysis-bench` prints the figures;
//! a test holds the offline model to them.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::dataset::LabelledSnippet;
use crate::embed::EmbeddingInput;
use crate::offline::analyze_code;

/// One labelled question.
#[derive(Debug, Clone)]
pub struct LabelledQuery {
    /// What a person types.
    pub text: String,
    /// Short names of the snippets expected in the top 5.
    pub relevant: Vec<String>,
}

/// The query set's path.
pub fn default_queries() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/search/queries.json")
}

/// Reads a query set.
pub fn load_queries(path: &Path) -> Result<Vec<LabelledQuery>, std::io::Error> {
    #[derive(serde::Deserialize)]
    struct File {
        queries: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        q: String,
        relevant: Vec<String>,
    }
    let file: File = serde_json::from_slice(&std::fs::read(path)?)?;
    Ok(file
        .queries
        .into_iter()
        .map(|entry| LabelledQuery {
            text: entry.q,
            relevant: entry.relevant,
        })
        .collect())
}

/// A labelled snippet's code as a user saves it: its label header removed.
pub fn user_code(snippet: &LabelledSnippet) -> String {
    snippet
        .code
        .lines()
        .filter(|l| {
            !(l.starts_with("# time:") || l.starts_with("# space:") || l.starts_with("# patterns:"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A labelled snippet's short name (the file stem without the number) and the text the sync
/// worker would embed for it.
pub fn document(snippet: &LabelledSnippet) -> (String, String) {
    let code = user_code(snippet);
    let analysis = analyze_code(&code).ok();
    let time = analysis.as_ref().map(|a| a.time.notation());
    let space = analysis.as_ref().map(|a| a.space.notation());
    let text = EmbeddingInput {
        title: None,
        description: None,
        time_complexity: time.as_deref(),
        space_complexity: space.as_deref(),
        code: &code,
    }
    .render();
    let name = snippet
        .name
        .split_once('_')
        .map_or(snippet.name.clone(), |(_, rest)| rest.to_owned());
    (name, text)
}

/// Document indices by score, best first.
pub fn rank(scores: &[f32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
    order
}

/// Reciprocal rank fusion (k = 60) of several rankings of the same documents.
pub fn reciprocal_rank_fusion(rankings: &[&[usize]], documents: usize) -> Vec<usize> {
    let mut fused = vec![0f32; documents];
    for ranking in rankings {
        for (position, document) in ranking.iter().enumerate() {
            fused[*document] += 1.0 / (60.0 + position as f32 + 1.0);
        }
    }
    rank(&fused)
}

/// Search-quality figures of one ranking method over a query set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quality {
    /// Share of the expected snippets found in the top 5 (of at most 5 expected).
    pub recall_at_5: f64,
    /// Share of questions with an expected snippet in the top 3.
    pub hit_at_3: f64,
    /// Mean of 1 / the rank of the first expected snippet.
    pub mrr: f64,
}

impl Quality {
    /// Judges `rankings` (one per query, of documents named by `names`).
    pub fn of(rankings: &[Vec<usize>], queries: &[LabelledQuery], names: &[String]) -> Self {
        let n = queries.len().max(1) as f64;
        let mut quality = Quality {
            recall_at_5: 0.0,
            hit_at_3: 0.0,
            mrr: 0.0,
        };
        for (ranked, query) in rankings.iter().zip(queries) {
            let top: HashSet<&String> = ranked.iter().take(5).map(|i| &names[*i]).collect();
            let found = query.relevant.iter().filter(|r| top.contains(r)).count();
            quality.recall_at_5 += found as f64 / query.relevant.len().clamp(1, 5) as f64 / n;
            let first = ranked
                .iter()
                .position(|i| query.relevant.contains(&names[*i]));
            if first.is_some_and(|p| p < 3) {
                quality.hit_at_3 += 1.0 / n;
            }
            quality.mrr += first.map_or(0.0, |p| 1.0 / (p as f64 + 1.0)) / n;
        }
        quality
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_counts_hits_ranks_and_recall() {
        let names: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        let queries = [
            LabelledQuery {
                text: "first".into(),
                relevant: vec!["a".into()],
            },
            LabelledQuery {
                text: "fourth".into(),
                relevant: vec!["d".into()],
            },
        ];
        let q = Quality::of(&[vec![0, 1, 2, 3], vec![0, 1, 2, 3]], &queries, &names);
        assert!((q.hit_at_3 - 0.5).abs() < 1e-9);
        assert!((q.mrr - (1.0 + 1.0 / 4.0) / 2.0).abs() < 1e-9);
        assert!((q.recall_at_5 - 1.0).abs() < 1e-9);
        assert_eq!(reciprocal_rank_fusion(&[&[0, 1], &[1, 0]], 2).len(), 2);
    }
}
