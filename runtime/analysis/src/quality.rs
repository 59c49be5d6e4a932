//! Search quality over the project's labelled query set (`tests/data/search/queries.json`):
//! each question names the dataset snippets a person expects near the top, and a ranking method
//! is judged by recall@5, hit@3 and mean reciprocal rank. `analysis-bench` prints the embedders'
//! figures over code alone; the search crate's `quality` bench prints them through the search
//! backends with the titles and descriptions users saved (`tests/data/search/snippets.json`).

use std::collections::{HashMap, HashSet};
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

/// What a user saved with a labelled snippet: a title and maybe a description
/// (`tests/data/search/snippets.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Saved {
    /// The snippet's title.
    pub title: Option<String>,
    /// Its description, if the user wrote one.
    pub description: Option<String>,
}

/// The saved titles and descriptions' path.
pub fn default_saved() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/search/snippets.json")
}

/// Reads saved titles and descriptions, by the snippets' short names.
pub fn load_saved(path: &Path) -> Result<HashMap<String, Saved>, std::io::Error> {
    #[derive(serde::Deserialize)]
    struct File {
        snippets: HashMap<String, Saved>,
    }
    let file: File = serde_json::from_slice(&std::fs::read(path)?)?;
    Ok(file.snippets)
}

/// A labelled snippet as the sync worker stores it: the code a user saves (label header
/// removed), what the offline analyser finds in it, and what the user saved with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledDocument {
    /// Short name (the file stem without its number), as queries name it.
    pub name: String,
    /// The saved title, if any.
    pub title: Option<String>,
    /// The saved description, if any.
    pub description: Option<String>,
    /// The code.
    pub code: String,
    /// Time complexity the offline analyser finds.
    pub time: Option<String>,
    /// Space complexity the offline analyser finds.
    pub space: Option<String>,
    /// Pattern names the offline analyser finds.
    pub patterns: Vec<String>,
}

impl LabelledDocument {
    /// `snippet` with what its user saved (`None`: code only).
    pub fn new(snippet: &LabelledSnippet, saved: Option<&Saved>) -> Self {
        let code: String = snippet
            .code
            .lines()
            .filter(|l| {
                !(l.starts_with("# time:")
                    || l.starts_with("# space:")
                    || l.starts_with("# patterns:"))
            })
            .collect::<Vec<_>>()
            .join("\n");
        let analysis = analyze_code(&code).ok();
        let saved = saved.cloned().unwrap_or_default();
        Self {
            name: short_name(snippet),
            title: saved.title,
            description: saved.description,
            time: analysis.as_ref().map(|a| a.time.notation()),
            space: analysis.as_ref().map(|a| a.space.notation()),
            patterns: analysis
                .map(|a| a.patterns.iter().map(|p| p.name().to_owned()).collect())
                .unwrap_or_default(),
            code,
        }
    }

    /// The text the sync worker embeds for it.
    pub fn embedding_input(&self) -> String {
        EmbeddingInput {
            title: self.title.as_deref(),
            description: self.description.as_deref(),
            time_complexity: self.time.as_deref(),
            space_complexity: self.space.as_deref(),
            code: &self.code,
        }
        .render()
    }
}

/// Every labelled snippet with what its user saved (`saved`, by short name), as the search
/// measurements store them.
pub fn with_saved(
    snippets: &[LabelledSnippet],
    saved: &HashMap<String, Saved>,
) -> Vec<LabelledDocument> {
    snippets
        .iter()
        .map(|snippet| LabelledDocument::new(snippet, saved.get(&short_name(snippet))))
        .collect()
}

/// A labelled snippet's short name: its file stem without the number (`binary_search_iterative`).
fn short_name(snippet: &LabelledSnippet) -> String {
    snippet
        .name
        .split_once('_')
        .map_or(snippet.name.clone(), |(_, rest)| rest.to_owned())
}

/// Document indices by score, best first.
pub fn rank(scores: &[f32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
    order
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
    }

    #[test]
    fn every_labelled_snippet_has_a_saved_title() {
        let saved = load_saved(&default_saved()).expect("saved titles");
        let snippets = crate::dataset::load(&crate::dataset::default_dir()).expect("dataset");
        for document in with_saved(&snippets, &saved) {
            assert!(
                document.title.is_some(),
                "{} has no saved title",
                document.name
            );
            assert!(document.embedding_input().starts_with("Title: "));
            assert!(!document.code.contains("# time:"));
        }
        assert_eq!(
            saved.len(),
            snippets.len(),
            "no title for a missing snippet"
        );
    }
}
