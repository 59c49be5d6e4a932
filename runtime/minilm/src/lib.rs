//! all-MiniLM-L6-v2, the offline sentence embedder (docs/analysis.md): a six-layer BERT encoder
//! whose mean-pooled, L2-normalised output puts texts that mean the same thing close together
//! (384 dimensions), with no network and no model hub: the weights and the tokenizer come from
//! a directory that `scripts/setup` fills from a registry package.
//!
//! [`wordpiece::WordPiece`] turns text into the model's token ids (BERT's uncased WordPiece);
//! [`bert::Encoder`] runs the network on candle's CPU backend; [`MiniLm`] puts them together.
#![deny(missing_docs)]

pub mod bert;
pub mod wordpiece;

use std::path::{Path, PathBuf};

use candle_core::Device;

/// The vector length of the model.
pub const DIMENSION: usize = 384;

/// Tokens one text is cut to, `[CLS]` and `[SEP]` included: the length the model was trained
/// on. Its card allows 256, but on the project's query set 128 finds more (hit@3 0.849 against
/// 0.836) at about half the cost, because a snippet's title, description and analysis come
/// first and its code's head says most of what it does.
pub const MAX_TOKENS: usize = 128;

/// Where `scripts/setup-model` installs the model, relative to a checkout's root (the stack
/// contract's, which the release packs and the local stack loads).
pub const INSTALL_DIR: &str = code_remote_config::contract::embedding_model::CHECKOUT_DIR;

/// The model's directory in the checkout this crate was built from: what tests and benchmarks
/// load (`MINILM_MODEL_DIR` overrides it).
pub fn checkout_dir() -> PathBuf {
    std::env::var_os("MINILM_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(INSTALL_DIR)
        })
}

/// What can go wrong loading or running the model.
#[derive(Debug, thiserror::Error)]
pub enum MiniLmError {
    /// A model file is missing or unreadable.
    #[error("cannot read {path}: {reason} (scripts/setup installs the model)")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// `tokenizer.json` is not a BERT WordPiece tokenizer.
    #[error("{0}")]
    Tokenizer(String),
    /// The weights do not fit the network, or a tensor operation failed.
    #[error("model: {0}")]
    Model(#[from] candle_core::Error),
}

/// The loaded model: tokenizer and encoder, shared by every request of a process.
pub struct MiniLm {
    tokenizer: wordpiece::WordPiece,
    encoder: bert::Encoder,
}

impl MiniLm {
    /// Loads `tokenizer.json` and `model.safetensors` from `dir`.
    pub fn load(dir: &Path) -> Result<Self, MiniLmError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|err| MiniLmError::Read {
                path,
                reason: err.to_string(),
            })
        };
        let tokenizer = wordpiece::WordPiece::from_tokenizer_json(&read("tokenizer.json")?)?;
        let encoder = bert::Encoder::load(read("model.safetensors")?, &Device::Cpu)?;
        Ok(Self { tokenizer, encoder })
    }

    /// Unit vectors of `texts`, in order; each text is cut to [`MAX_TOKENS`] tokens.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, MiniLmError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Vec<u32>> = texts
            .iter()
            .map(|text| self.tokenizer.encode(text, MAX_TOKENS))
            .collect();
        Ok(self.encoder.embed(&ids)?)
    }
}

impl std::fmt::Debug for MiniLm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiniLm").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_stack_contract_knows_the_models_dimension() {
        let contract = code_remote_config::contract::embedding_model::DIMENSION;
        assert_eq!(usize::try_from(contract).ok(), Some(super::DIMENSION));
    }
}
