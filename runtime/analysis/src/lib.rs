//! Complexity analysis, embeddings and search intent for Code Remote.
//!
//! Two interchangeable providers sit behind each interface, chosen by configuration
//! ([`AnalysisConfig`]): [`Analyzer`] (Gemini, or the offline static analyzer) and [`Embedder`]
//! (Gemini, or the offline hashed embedder). The offline ones need no network and are what every
//! test uses. Complexity notation is normalised by [`notation`] before it is stored, and
//! [`intent`] turns a search query into validated filters.
#![deny(missing_docs)]

pub mod analyzer;
pub mod dataset;
pub mod embed;
mod error;
pub mod gemini;
pub mod intent;
pub mod llm_reply;
pub mod narrative;
pub mod notation;
pub mod offline;
pub mod parse;
pub mod patterns;

use std::sync::Arc;

pub use analyzer::{
    build_analyzer, Analysis, Analyzer, GeminiAnalyzer, OfflineAnalyzer, ProviderKind, StreamEvent,
};
pub use embed::{Embedder, EmbeddingInput, GeminiEmbedder, HashedEmbedder};
pub use error::AnalysisError;
pub use gemini::{GeminiClient, GeminiConfig};
pub use intent::{parse_intent, SearchIntent};
pub use notation::{normalize, ComplexityClass, Cost};
pub use patterns::Pattern;

/// Which providers to use; loaded once at start-up by the caller's configuration.
#[derive(Clone, Debug)]
pub struct AnalysisConfig {
    /// Gemini settings when a key is configured; `None` selects the offline providers.
    pub gemini: Option<GeminiConfig>,
    /// Embedding dimension of the stack (768 by default).
    pub embedding_dimension: usize,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        AnalysisConfig {
            gemini: None,
            embedding_dimension: embed::DEFAULT_DIMENSION,
        }
    }
}

/// The analyzer and embedder chosen by configuration.
#[derive(Clone)]
pub struct Providers {
    /// Complexity analysis.
    pub analyzer: Arc<dyn Analyzer>,
    /// Embeddings.
    pub embedder: Arc<dyn Embedder>,
}

impl Providers {
    /// Builds both providers: Gemini for both when a key is set, offline otherwise.
    pub fn from_config(cfg: &AnalysisConfig) -> Result<Providers, AnalysisError> {
        match &cfg.gemini {
            Some(g) => {
                if g.embedding_dimension != cfg.embedding_dimension {
                    return Err(AnalysisError::Config(format!(
                        "gemini embedding dimension {} differs from the stack's {}",
                        g.embedding_dimension, cfg.embedding_dimension
                    )));
                }
                let client = GeminiClient::new(g.clone())?;
                Ok(Providers {
                    analyzer: Arc::new(GeminiAnalyzer::new(client.clone())),
                    embedder: Arc::new(GeminiEmbedder::new(client)),
                })
            }
            None => Ok(Providers {
                analyzer: Arc::new(OfflineAnalyzer),
                embedder: Arc::new(HashedEmbedder::new(cfg.embedding_dimension)),
            }),
        }
    }
}
