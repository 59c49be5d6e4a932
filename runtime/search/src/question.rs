//! A person's search text turned into a [`SemanticQuery`], one way for the API and for the
//! measurements of docs/search.md, so what is measured is what users get.

use code_remote_analysis::{parse_intent, AnalysisError, Embedder, SearchIntent};

use crate::document::{SearchFilters, SemanticQuery};
use crate::full_text::FullText;

/// How a question is answered, as the API reports it (`semantic`, `structured`, `keyword`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Free text: vector similarity fused with word matches, within the structured filters.
    Semantic,
    /// Nothing but structured words (`starred recursive O(n)`): the filters alone.
    Structured,
    /// Free text answered by word matches alone, because the embedder failed (Gemini down or
    /// over quota): degraded, not refused.
    Keyword,
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
    let free = free_words(&intent, text);
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

/// The words to embed and match: what the intent left, or the whole question when it found
/// nothing structured; `None` for a question of structured words only.
fn free_words<'t>(intent: &'t SearchIntent, text: &'t str) -> Option<&'t str> {
    if !intent.text.trim().is_empty() {
        Some(intent.text.as_str())
    } else if intent.is_structured() {
        None
    } else {
        Some(text)
    }
}

/// [`ask`], except that when the embedder fails on a question with words, the words alone answer
/// (`Method::Keyword`) and the failure is logged: search keeps working through an embedder outage.
pub async fn ask_or_words(
    text: &str,
    embedder: &dyn Embedder,
    limit: usize,
) -> Result<(SemanticQuery, Method), AnalysisError> {
    match ask(text, embedder, limit).await {
        Ok(answer) => Ok(answer),
        Err(err) => {
            let intent = parse_intent(text);
            let Some(words) = free_words(&intent, text).and_then(FullText::parse) else {
                return Err(err);
            };
            tracing::warn!(error = %err, embedder = embedder.name(),
                "the embedder failed; answering by words alone");
            let query = SemanticQuery {
                embedding: None,
                vector_space: None,
                text: Some(words),
                filters: SearchFilters::from_intent(&intent),
                exclude: None,
                limit,
            };
            Ok((query, Method::Keyword))
        }
    }
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

    /// An embedder that is down.
    struct Down;

    impl Embedder for Down {
        fn name(&self) -> &str {
            "down"
        }
        fn dimension(&self) -> usize {
            3
        }
        fn score_floor(&self) -> f64 {
            0.0
        }
        fn embed_documents<'a>(
            &'a self,
            _: &'a [String],
        ) -> futures_util::future::BoxFuture<'a, Result<Vec<Vec<f32>>, AnalysisError>> {
            Box::pin(async { Err(AnalysisError::Config("down".into())) })
        }
        fn embed_query<'a>(
            &'a self,
            _: &'a str,
        ) -> futures_util::future::BoxFuture<'a, Result<Vec<f32>, AnalysisError>> {
            Box::pin(async { Err(AnalysisError::Config("down".into())) })
        }
    }

    #[tokio::test]
    async fn an_embedder_outage_degrades_to_words_and_keeps_the_filters() {
        assert!(ask("playing cards hand", &Down, 5).await.is_err());
        let (query, method) = ask_or_words("starred playing cards hand", &Down, 5)
            .await
            .expect("words answer");
        assert_eq!(method, Method::Keyword);
        assert_eq!(query.embedding, None);
        assert!(query.filters.starred_only);
        assert_eq!(
            query.text.expect("words").terms(),
            ["playing", "cards", "hand"]
        );
        // A question of structured words only needs no embedder at all.
        let (_, method) = ask_or_words("starred recursive", &Down, 5)
            .await
            .expect("structured");
        assert_eq!(method, Method::Structured);
    }
}
