//! What is stored per snippet, what a question asks, and what an answer holds.

use chrono::{DateTime, Utc};
use code_remote_analysis::intent::ComplexityKind;
use code_remote_analysis::notation::{normalize, Cost};
use code_remote_analysis::SearchIntent;
use code_remote_domain::{SnippetId, UserId};
use serde::Serialize;

use crate::full_text::FullText;

/// The searchable form of one snippet, built by the sync worker from the current PostgreSQL row.
#[derive(Clone, Debug, PartialEq)]
pub struct SnippetDocument {
    /// The snippet.
    pub snippet_id: SnippetId,
    /// Its owner; every question is scoped to one.
    pub user_id: UserId,
    /// Title, if any.
    pub title: Option<String>,
    /// Description, if any.
    pub description: Option<String>,
    /// Language name as saved (`python`).
    pub language: String,
    /// Time complexity, if analysed (normalised again on write).
    pub time_complexity: Option<String>,
    /// Space complexity, if analysed (normalised again on write).
    pub space_complexity: Option<String>,
    /// Pattern names from the analysis (`recursion`, `two pointers`).
    pub patterns: Vec<String>,
    /// The embedding of the snippet's embedding input (unit length).
    pub embedding: Vec<f32>,
    /// The embedder that wrote `embedding` (`Embedder::id`, e.g. `minilm/384`).
    pub embedder: String,
    /// Whether its owner starred it.
    pub is_starred: bool,
    /// The row's version: the later of its `updated_at` and `analyzed_at`. Older writes lose.
    pub updated_at: DateTime<Utc>,
}

impl SnippetDocument {
    /// Canonical time complexity (`O(n²)` becomes `O(n^2)`), so complexity search matches.
    pub fn time_notation(&self) -> Option<String> {
        self.time_complexity.as_deref().map(normalize)
    }

    /// Canonical space complexity.
    pub fn space_notation(&self) -> Option<String> {
        self.space_complexity.as_deref().map(normalize)
    }

    /// The growth class name of the time complexity (`quadratic`), for class filters.
    pub fn time_class(&self) -> Option<&'static str> {
        class_of(self.time_complexity.as_deref())
    }

    /// The growth class name of the space complexity.
    pub fn space_class(&self) -> Option<&'static str> {
        class_of(self.space_complexity.as_deref())
    }

    /// Lowercased language, as filters compare it.
    pub fn language_key(&self) -> String {
        self.language.trim().to_lowercase()
    }

    /// The analysis in words, for full-text search: pattern names and growth classes
    /// (`binary search logarithmic time constant space`).
    pub fn analysis_terms(&self) -> String {
        let mut terms = self.patterns.clone();
        if let Some(class) = self.time_class() {
            terms.push(format!("{class} time"));
        }
        if let Some(class) = self.space_class() {
            terms.push(format!("{class} space"));
        }
        terms.join(" ")
    }
}

fn class_of(notation: Option<&str>) -> Option<&'static str> {
    notation
        .and_then(Cost::parse)
        .map(|cost| cost.class().name())
}

/// Structured filters from a query's intent; all of them must hold for a snippet to be returned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchFilters {
    /// Lowercased language name.
    pub language: Option<String>,
    /// Only starred snippets.
    pub starred_only: bool,
    /// Growth class name of the complexity asked for (`quadratic`).
    pub complexity_class: Option<&'static str>,
    /// Whether that class is about time or space.
    pub complexity_kind: Option<ComplexityKind>,
    /// Pattern names; a snippet must use at least one, and each one it uses boosts it.
    pub patterns: Vec<String>,
}

impl SearchFilters {
    /// The filters a parsed query asks for. Only validated values come through: enums and
    /// canonical class names, never the query's own words. Patterns filter only when the query
    /// is nothing but structured words ([`SearchIntent::patterns_filter`]).
    pub fn from_intent(intent: &SearchIntent) -> Self {
        Self {
            language: intent.language.map(|l| l.as_str().to_owned()),
            starred_only: intent.starred,
            complexity_class: intent.complexity_class.map(|c| c.name()),
            complexity_kind: intent.complexity_kind,
            patterns: if intent.patterns_filter {
                intent
                    .patterns
                    .iter()
                    .map(|p| p.name().to_owned())
                    .collect()
            } else {
                Vec::new()
            },
        }
    }

    /// Whether the complexity filter is about space (time otherwise).
    pub fn is_space(&self) -> bool {
        self.complexity_kind == Some(ComplexityKind::Space)
    }
}

/// One search question.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SemanticQuery {
    /// The embedded free text; `None` ranks by word matches when there are words, otherwise by
    /// the structured filters alone.
    pub embedding: Option<Vec<f32>>,
    /// The free text's words, matched against titles, descriptions and analysis terms and fused
    /// with the vector similarity (docs/search.md).
    pub text: Option<FullText>,
    /// The embedder that wrote `embedding` (`Embedder::id`): stored vectors another embedder
    /// wrote are not compared with it. `None` compares every vector.
    pub vector_space: Option<String>,
    /// Structured filters.
    pub filters: SearchFilters,
    /// A snippet never to return (the source of a similar-snippets question).
    pub exclude: Option<SnippetId>,
    /// How many results, capped at [`crate::MAX_LIMIT`].
    pub limit: usize,
}

/// One result, in the API's SearchResult shape.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SearchHit {
    /// The snippet.
    pub snippet_id: SnippetId,
    /// Its title.
    pub title: Option<String>,
    /// Its language.
    pub language: String,
    /// Its description.
    pub description: Option<String>,
    /// Its time complexity, if analysed.
    pub time_complexity: Option<String>,
    /// Its space complexity, if analysed.
    pub space_complexity: Option<String>,
    /// Similarity, word matches and boosts fused; higher is better (bounded to [0, 1] by
    /// [`crate::presentable`]).
    pub score: f64,
}
