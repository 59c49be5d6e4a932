//! Structured search intent: what a `/search` query asks for beyond its words.
//!
//! A query such as "my recursive python snippets that are O(n log n)" becomes a complexity, a
//! language, a starred flag, patterns, and the remaining text to embed. Every field is a validated
//! type (canonical notation, enums); the text is only ever embedded or bound as a parameter, never
//! spliced into a query, so injection-looking input is inert.

use serde::Serialize;

use crate::llm_reply::big_o;
use crate::notation::{ComplexityClass, Cost};
use crate::patterns::Pattern;

/// Longest remaining text kept (the API limits `q` to 500 characters).
pub const MAX_TEXT_CHARS: usize = 500;

/// A language a snippet can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Python.
    Python,
    /// JavaScript.
    Javascript,
    /// TypeScript.
    Typescript,
    /// Java.
    Java,
    /// Go.
    Go,
    /// Rust.
    Rust,
    /// C++.
    Cpp,
}

impl Language {
    /// The language a query word names, if any.
    pub fn from_word(w: &str) -> Option<Language> {
        Some(match w {
            "python" | "py" => Language::Python,
            "javascript" | "js" => Language::Javascript,
            "typescript" | "ts" => Language::Typescript,
            "java" => Language::Java,
            "golang" => Language::Go,
            "rust" => Language::Rust,
            "c++" | "cpp" => Language::Cpp,
            _ => return None,
        })
    }

    /// The stored spelling (`python`).
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Javascript => "javascript",
            Language::Typescript => "typescript",
            Language::Java => "java",
            Language::Go => "go",
            Language::Rust => "rust",
            Language::Cpp => "cpp",
        }
    }
}

/// Whether a complexity filter is about time or space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ComplexityKind {
    /// Running time.
    Time,
    /// Memory.
    Space,
}

/// The parsed intent of a search query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SearchIntent {
    /// Canonical notation asked for (`O(n log n)`), from notation or a class word.
    pub complexity: Option<String>,
    /// The growth class asked for.
    pub complexity_class: Option<ComplexityClass>,
    /// Time or space, when the query says so (time is assumed by the caller otherwise).
    pub complexity_kind: Option<ComplexityKind>,
    /// Language filter.
    pub language: Option<Language>,
    /// Only starred snippets.
    pub starred: bool,
    /// Patterns the query names.
    pub patterns: Vec<Pattern>,
    /// Whether [`SearchIntent::patterns`] filter the results: only when the query is nothing but
    /// structured words ("recursive", "starred sliding window"). Among other words ("sorting
    /// algorithm") a pattern word is part of what the query means, so it is embedded with them
    /// and filters nothing.
    pub patterns_filter: bool,
    /// Remaining words, to embed.
    pub text: String,
}

impl SearchIntent {
    /// Whether anything structured was found.
    pub fn is_structured(&self) -> bool {
        self.complexity.is_some()
            || self.language.is_some()
            || self.starred
            || !self.patterns.is_empty()
    }
}

const FILLER: [&str; 18] = [
    "my",
    "snippets",
    "snippet",
    "code",
    "anything",
    "all",
    "show",
    "me",
    "find",
    "that",
    "are",
    "is",
    "with",
    "complexity",
    "the",
    "which",
    "in",
    "of",
];

const PHRASES: [&str; 12] = [
    "dynamic programming",
    "binary search",
    "two pointers",
    "two pointer",
    "sliding window",
    "divide and conquer",
    "breadth first search",
    "breadth-first search",
    "depth first search",
    "depth-first search",
    "monotonic stack",
    "nested loops",
];

/// Parses a query into its intent.
pub fn parse_intent(query: &str) -> SearchIntent {
    let mut intent = SearchIntent::default();
    let mut rest: String = query
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_TEXT_CHARS * 2)
        .collect();
    if let Some(o) = big_o(&rest) {
        if let Some(c) = Cost::parse(&o).filter(|c| c.vars().iter().all(|v| v.chars().count() == 1))
        {
            intent.complexity = Some(c.notation());
            intent.complexity_class = Some(c.class());
        }
        rest = rest.replacen(&o, " ", 1);
    }
    let mut lower = rest.to_lowercase();
    // Pattern words, kept aside: they join the embedded text when other words remain.
    let mut pattern_words = Vec::new();
    for phrase in PHRASES {
        if let Some(pos) = lower.find(phrase) {
            if let Some(p) = Pattern::parse(phrase) {
                if !intent.patterns.contains(&p) {
                    intent.patterns.push(p);
                }
            }
            pattern_words.push(phrase.to_owned());
            lower.replace_range(pos..pos + phrase.len(), " ");
        }
    }
    let mut kept = Vec::new();
    for raw in lower.split_whitespace() {
        let w = raw.trim_matches(|c: char| !c.is_alphanumeric() && c != '+');
        if w.is_empty() {
            continue;
        }
        if let Some(class) = ComplexityClass::from_word(w) {
            if intent.complexity.is_none() {
                intent.complexity = Some(class.representative().to_string());
                intent.complexity_class = Some(class);
            }
            continue;
        }
        if let Some(l) = Language::from_word(w) {
            intent.language.get_or_insert(l);
            continue;
        }
        if matches!(
            w,
            "starred" | "favorite" | "favourite" | "favorites" | "favourites" | "starred:true"
        ) {
            intent.starred = true;
            continue;
        }
        if matches!(w, "time") {
            intent.complexity_kind = Some(ComplexityKind::Time);
            continue;
        }
        if matches!(w, "space" | "memory") {
            intent.complexity_kind = Some(ComplexityKind::Space);
            continue;
        }
        if let Some(p) = Pattern::parse(w) {
            if !intent.patterns.contains(&p) {
                intent.patterns.push(p);
            }
            pattern_words.push(raw.to_string());
            continue;
        }
        if FILLER.contains(&w) {
            continue;
        }
        kept.push(raw.to_string());
    }
    intent.patterns_filter = kept.is_empty() && !intent.patterns.is_empty();
    if !kept.is_empty() {
        pattern_words.extend(kept);
        kept = pattern_words;
    }
    intent.text = kept.join(" ").chars().take(MAX_TEXT_CHARS).collect();
    intent
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_notation_language_starred_and_patterns() {
        let i =
            parse_intent("my starred recursive python snippets that are O(n log(n)) for graphs");
        assert_eq!(i.complexity.as_deref(), Some("O(n log n)"));
        assert_eq!(i.complexity_class, Some(ComplexityClass::Linearithmic));
        assert_eq!(i.language, Some(Language::Python));
        assert!(i.starred);
        assert_eq!(i.patterns, vec![Pattern::Recursion]);
        assert!(
            !i.patterns_filter,
            "other words remain, so the pattern word is embedded"
        );
        assert_eq!(i.text, "recursive for graphs");
        let only = parse_intent("my starred recursive python snippets");
        assert!(only.patterns_filter);
        assert_eq!(only.text, "");
    }

    #[test]
    fn a_pattern_word_among_other_words_is_meaning_not_a_filter() {
        for query in [
            "sorting algorithm",
            "sort a list of names",
            "which code sorts",
        ] {
            let i = parse_intent(query);
            assert!(!i.patterns_filter, "{query}: {i:?}");
            assert!(!i.text.is_empty(), "{query}");
        }
        let i = parse_intent("sorting algorithm");
        assert!(
            i.text.contains("sorting") && i.text.contains("algorithm"),
            "{}",
            i.text
        );
    }

    #[test]
    fn class_words_and_phrases() {
        let i = parse_intent("anything quadratic using two pointers or a sliding window, memoized");
        assert_eq!(i.complexity.as_deref(), Some("O(n^2)"));
        assert!(i.patterns.contains(&Pattern::TwoPointers));
        assert!(i.patterns.contains(&Pattern::SlidingWindow));
        assert!(i.patterns.contains(&Pattern::Memoization));
        let s = parse_intent("space O(n²) bfs");
        assert_eq!(s.complexity.as_deref(), Some("O(n^2)"));
        assert_eq!(s.complexity_kind, Some(ComplexityKind::Space));
        assert_eq!(s.patterns, vec![Pattern::BreadthFirstSearch]);
    }

    #[test]
    fn plain_text_stays_text() {
        let i = parse_intent("parse csv rows into dicts");
        assert!(!i.is_structured());
        assert_eq!(i.text, "parse csv rows into dicts");
    }

    #[test]
    fn injection_looking_input_yields_only_validated_values() {
        let q =
            "x' OR 1=1 --\"}) MATCH (n) DETACH DELETE n CALL { RETURN $user_id } O(n)) // starred";
        let i = parse_intent(q);
        assert_eq!(i.complexity.as_deref(), Some("O(n)"));
        assert!(i.starred);
        assert!(i.language.is_none());
        assert!(i.patterns.is_empty());
        assert!(i.text.len() <= MAX_TEXT_CHARS);
        let bad = parse_intent("O(DROP TABLE snippets) \u{0}\u{7}");
        assert!(bad.complexity.is_none());
        assert!(!bad.text.contains('\u{0}'));
        let long = parse_intent(&"a".repeat(5000));
        assert!(long.text.chars().count() <= MAX_TEXT_CHARS);
    }
}
