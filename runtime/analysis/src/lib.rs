//! Complexity analysis, embeddings and search intent for Code Remote.
//!
//! Two interchangeable providers sit behind each interface, chosen by configuration
//! ([`AnalysisConfig`]): [`Analyzer`] (Gemini, or the offline static analyzer) and [`Embedder`]
//! (Gemini, or offline: all-MiniLM-L6-v2 when its files are installed, else the hashed embedder). The offline ones need no network and are what every
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
pub mod minilm;
pub mod narrative;
pub mod notation;
pub mod offline;
pub mod parse;
pub mod patterns;
pub mod quality;

use std::sync::Arc;

pub use analyzer::{
    build_analyzer, Analysis, Analyzer, GeminiAnalyzer, OfflineAnalyzer, ProviderKind, StreamEvent,
};
pub use embed::{Embedder, EmbeddingInput, GeminiEmbedder, HashedEmbedder};
pub use error::AnalysisError;
pub use gemini::{GeminiClient, GeminiConfig};
pub use intent::{parse_intent, SearchIntent};
pub use minilm::MiniLmEmbedder;
pub use notation::{normalize, ComplexityClass, Cost};
pub use patterns::Pattern;

/// Which providers to use; loaded once at start-up by the caller's configuration.
#[derive(Clone, Debug)]
pub struct AnalysisConfig {
    /// Gemini settings when a key is configured; `None` selects the offline providers.
    pub gemini: Option<GeminiConfig>,
    /// Embedding dimension of the stack (768 by default).
    pub embedding_dimension: usize,
    /// The offline semantic embedder's directory: when set it is the embedder (Gemini's key then
    /// only serves analysis), and the stack's dimension must be its 384.
    pub offline_model_dir: Option<std::path::PathBuf>,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        AnalysisConfig {
            gemini: None,
            embedding_dimension: embed::DEFAULT_DIMENSION,
            offline_model_dir: None,
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
    /// Builds both providers. The analyzer is Gemini's when a key is set, offline otherwise. The
    /// embedder is the offline model when its directory is configured (a stack's explicit choice,
    /// key or no key: vectors of different embedders are not comparable), else Gemini's with a
    /// key, else the hashed one.
    pub fn from_config(cfg: &AnalysisConfig) -> Result<Providers, AnalysisError> {
        let client = match &cfg.gemini {
            Some(g) => Some(GeminiClient::new(g.clone())?),
            None => None,
        };
        let embedder: Arc<dyn Embedder> = match (&cfg.offline_model_dir, &client, &cfg.gemini) {
            (Some(dir), _, _) => {
                if cfg.embedding_dimension != MiniLmEmbedder::DIMENSION {
                    return Err(AnalysisError::Config(format!(
                        "the offline model embeds in {} dimensions but the stack's \
                         EMBEDDING_DIMENSIONS is {}: set it to {0}",
                        MiniLmEmbedder::DIMENSION,
                        cfg.embedding_dimension
                    )));
                }
                Arc::new(MiniLmEmbedder::load(dir).map_err(|err| {
                    AnalysisError::Config(format!("OFFLINE_EMBEDDING_MODEL_DIR: {err}"))
                })?)
            }
            (None, Some(client), Some(g)) => {
                if g.embedding_dimension != cfg.embedding_dimension {
                    return Err(AnalysisError::Config(format!(
                        "gemini embedding dimension {} differs from the stack's {}",
                        g.embedding_dimension, cfg.embedding_dimension
                    )));
                }
                Arc::new(GeminiEmbedder::new(client.clone()))
            }
            _ => Arc::new(HashedEmbedder::new(cfg.embedding_dimension)),
        };
        let analyzer: Arc<dyn Analyzer> = match client {
            Some(client) => Arc::new(GeminiAnalyzer::new(client)),
            None => Arc::new(OfflineAnalyzer),
        };
        Ok(Providers { analyzer, embedder })
    }
}
