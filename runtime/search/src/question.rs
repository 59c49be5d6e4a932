//! A person's search text turned into a [`SemanticQuery`], one way for the API and for the
//! measurements of docs/search.md, so what is measured is what users get.

use code_remote_analysis::{parse_intent, AnalysisError, Embedder};

use crate::document::{SearchFilters, SemanticQuery};
use crate::full_text::FullText;

/// How a question is answered, as the API reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Free text: vector similarity fused with word matches, within the structured filters.
    Semantic,
    /// Nothing but structured words (`starred recursive O(n)`): the filters alone.
    Structured,
}

impl Method {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Semantic => "semantic",
            Self::Structured => "structured",
        }
    }
}

/// Parses `text`'s intent, embeds its free words with `embedder` (when it has any) and keeps them
/// for word matching. Structured words become filters; a query of nothing but structured words
/// is answered by the filters alone.
pub async fn ask(
    text: &str,
    embedder: &dyn Embedder,
    limit: usize,
) -> Result<(SemanticQuery, Method), AnalysisError> {
    let intent = parse_intent(text);
    let free = if !intent.text.trim().is_empty() {
        Some(intent.text.as_str())
    } else if intent.is_structured() {
        None
    } else {
        Some(text)
    };
    let embedding = match free {
        Some(free) => Some(embedder.embed_query(free).await?),
        None => None,
    };
    let method = if embedding.is_some() {
        Method::Semantic
    } else {
        Method::Structured
    };
    let query = SemanticQuery {
        vector_space: embedding.as_ref().map(|_| embedder.id()),
        embedding,
        text: free.and_then(FullText::parse),
        filters: SearchFilters::from_intent(&intent),
        exclude: None,
        limit,
    };
    Ok((query, method))
}

#[cfg(test)]
mod tests {
    use super::*;
    use code_remote_analysis::HashedEmbedder;

    #[tokio::test]
    async fn free_words_are_embedded_and_matched_structured_words_filter() {
        let embedder = HashedEmbedder::new(16);
        let (query, method) = ask("starred value in a sorted list", &embedder, 7)
            .await
            .expect("hashed embeds");
        assert_eq!(method, Method::Semantic);
        assert!(query.filters.starred_only);
        assert_eq!(query.limit, 7);
        assert!(query.embedding.is_some());
        let words = query.text.expect("words");
        assert!(words.terms().contains(&"sorted".to_owned()));
        assert!(!words.terms().contains(&"starred".to_owned()));

        let (query, method) = ask("starred recursive", &embedder, 5)
            .await
            .expect("structured");
        assert_eq!(method, Method::Structured);
        assert_eq!((query.embedding, query.text), (None, None));
        assert_eq!(query.filters.patterns, ["recursion"]);
    }
}
