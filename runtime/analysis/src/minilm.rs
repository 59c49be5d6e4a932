//! The offline semantic embedder: all-MiniLM-L6-v2 (`code-remote-minilm`), loaded once per
//! process and run on blocking threads, in batches, so embedding never stalls the async runtime.

use std::path::Path;
use std::sync::Arc;

use code_remote_minilm::{MiniLm, MiniLmError};
use futures_util::future::BoxFuture;

use crate::embed::Embedder;
use crate::error::AnalysisError;

/// Texts one forward pass takes: padding is to the longest text of a batch, so small batches of
/// similar texts waste little.
const BATCH: usize = 8;

/// all-MiniLM-L6-v2 behind the [`Embedder`] interface (384 dimensions).
#[derive(Clone, Debug)]
pub struct MiniLmEmbedder {
    model: Arc<MiniLm>,
}

impl MiniLmEmbedder {
    /// The vector length.
    pub const DIMENSION: usize = code_remote_minilm::DIMENSION;

    /// Loads the model from `dir` (`tokenizer.json` and `model.safetensors`).
    pub fn load(dir: &Path) -> Result<Self, MiniLmError> {
        Ok(Self {
            model: Arc::new(MiniLm::load(dir)?),
        })
    }

    async fn run(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, AnalysisError> {
        let model = self.model.clone();
        tokio::task::spawn_blocking(move || {
            let mut vectors = Vec::with_capacity(texts.len());
            for batch in texts.chunks(BATCH) {
                let batch: Vec<&str> = batch.iter().map(String::as_str).collect();
                vectors.extend(model.embed(&batch)?);
            }
            Ok(vectors)
        })
        .await
        .map_err(|err| AnalysisError::Embedding(format!("the embedding thread failed: {err}")))?
        .map_err(|err: MiniLmError| AnalysisError::Embedding(err.to_string()))
    }
}

impl Embedder for MiniLmEmbedder {
    fn name(&self) -> &str {
        "minilm"
    }

    fn dimension(&self) -> usize {
        Self::DIMENSION
    }

    /// Unrelated texts land near 0 with this model, paraphrases above 0.5 (tests/model.rs of
    /// code-remote-minilm).
    fn score_floor(&self) -> f64 {
        0.15
    }

    fn embed_documents<'a>(
        &'a self,
        texts: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Vec<f32>>, AnalysisError>> {
        Box::pin(self.run(texts.to_vec()))
    }

    fn embed_query<'a>(&'a self, text: &'a str) -> BoxFuture<'a, Result<Vec<f32>, AnalysisError>> {
        Box::pin(async move {
            let mut vectors = self.run(vec![text.to_owned()]).await?;
            vectors
                .pop()
                .ok_or_else(|| AnalysisError::Embedding("no vector for the query".to_owned()))
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::{AnalysisConfig, Providers};

    #[tokio::test]
    async fn without_gemini_the_installed_model_embeds_queries_and_documents() {
        let providers = Providers::from_config(&AnalysisConfig {
            gemini: None,
            embedding_dimension: 384,
            offline_model_dir: Some(code_remote_minilm::checkout_dir()),
        })
        .expect("the model is installed by scripts/setup-model");
        let embedder = providers.embedder;
        assert_eq!((embedder.name(), embedder.dimension()), ("minilm", 384));
        let documents = embedder
            .embed_documents(&vec!["Looks a value up in a sorted list".to_owned(); 9])
            .await
            .unwrap();
        assert_eq!(documents.len(), 9, "more than one batch comes back whole");
        let query = embedder
            .embed_query("value in a sorted list")
            .await
            .unwrap();
        let similarity: f32 = query.iter().zip(&documents[8]).map(|(a, b)| a * b).sum();
        assert!(similarity > 0.5, "{similarity}");
    }

    #[test]
    fn a_stack_dimension_other_than_the_models_or_a_missing_model_is_refused_by_name() {
        let config = |dimension, dir| AnalysisConfig {
            gemini: None,
            embedding_dimension: dimension,
            offline_model_dir: Some(dir),
        };
        let err = Providers::from_config(&config(768, code_remote_minilm::checkout_dir()))
            .err()
            .expect("refused");
        assert!(err.to_string().contains("EMBEDDING_DIMENSIONS"), "{err}");
        let err = Providers::from_config(&config(384, "/nonexistent".into()))
            .err()
            .expect("refused");
        assert!(
            err.to_string().contains("OFFLINE_EMBEDDING_MODEL_DIR"),
            "{err}"
        );
        assert!(err.to_string().contains("/nonexistent"), "{err}");
    }
}
