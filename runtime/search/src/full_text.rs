//! The words of a question as both backends' full-text engines take them.
//!
//! Only runs of letters and digits survive, lowercased, so no character of the user's text can be
//! read as an operator by either engine: PostgreSQL gets `a or b` for `websearch_to_tsquery`
//! (any word may match, more matched words rank higher) and Lucene, behind Neo4j's full-text
//! index, gets `a OR b` (its operators are upper case; every term is lower case).

/// Most words a question contributes (the API caps questions at 500 characters anyway).
pub const MAX_TERMS: usize = 32;

/// English words too common to tell snippets apart.
const STOP_WORDS: [&str; 24] = [
    "the", "and", "for", "with", "from", "that", "this", "into", "its", "are", "was", "were",
    "has", "have", "not", "but", "all", "any", "can", "out", "via", "per", "than", "then",
];

/// Longest word kept; longer runs are not words people search for.
const MAX_TERM_CHARS: usize = 64;

/// The words of a question, deduplicated, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FullText {
    terms: Vec<String>,
}

impl FullText {
    /// The words of `text`; `None` when it has none.
    pub fn parse(text: &str) -> Option<Self> {
        let mut terms: Vec<String> = Vec::new();
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            if word.is_empty() || word.chars().count() > MAX_TERM_CHARS {
                continue;
            }
            let word = word.to_lowercase();
            // `or` is websearch_to_tsquery's operator, and a stop word for both engines.
            if word == "or" {
                continue;
            }
            if !terms.contains(&word) {
                terms.push(word);
            }
            if terms.len() == MAX_TERMS {
                break;
            }
        }
        (!terms.is_empty()).then_some(Self { terms })
    }

    /// The words.
    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// The words that carry meaning on their own: no English stop words, nothing under three
    /// letters. For matching by substring where no full-text engine drops them (a Bolt server
    /// without Neo4j's full-text index), since "a" or "in" is inside nearly every title.
    pub fn content_terms(&self) -> Vec<String> {
        self.terms
            .iter()
            .filter(|t| t.chars().count() >= 3 && !STOP_WORDS.contains(&t.as_str()))
            .cloned()
            .collect()
    }

    /// Input for PostgreSQL's `websearch_to_tsquery`: any of the words.
    pub fn websearch(&self) -> String {
        self.terms.join(" or ")
    }

    /// A Lucene query for Neo4j's full-text index: any of the words.
    pub fn lucene(&self) -> String {
        self.terms.join(" OR ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_words_survive_so_no_operator_reaches_an_engine() {
        let text = FullText::parse("Binary-search \"sorted\" OR -list* a:b (x) && \\ \0 sorted")
            .expect("words");
        assert_eq!(
            text.terms(),
            ["binary", "search", "sorted", "list", "a", "b", "x"]
        );
        assert_eq!(
            text.websearch(),
            "binary or search or sorted or list or a or b or x"
        );
        assert_eq!(
            text.lucene(),
            "binary OR search OR sorted OR list OR a OR b OR x"
        );
    }

    #[test]
    fn content_terms_drop_stop_words_and_short_words() {
        let text = FullText::parse("value in a sorted list with the item").expect("words");
        assert_eq!(text.content_terms(), ["value", "sorted", "list", "item"]);
    }

    #[test]
    fn empty_huge_and_non_latin_input() {
        assert_eq!(FullText::parse(" -- ?? \0 "), None);
        let huge = "word ".repeat(10_000) + &"x".repeat(100);
        assert_eq!(FullText::parse(&huge).expect("one word").terms(), ["word"]);
        let many: String = (0..100).map(|i| format!("w{i} ")).collect();
        assert_eq!(
            FullText::parse(&many).expect("words").terms().len(),
            MAX_TERMS
        );
        assert_eq!(
            FullText::parse("Сортировка слиянием")
                .expect("words")
                .terms(),
            ["сортировка", "слиянием"]
        );
    }
}
