//! Complexity analysis, embeddings and search intent for Code Remote.
//!
//! Two interchangeable providers sit behind each interface, chosen by configuration:
//! [`Analyzer`] (Gemini, or the offline static analyzer) and [`Embedder`] (Gemini, or the offline
//! hashed embedder). The offline ones need no network and are what every test uses.
#![deny(missing_docs)]

pub mod dataset;
pub mod narrative;
pub mod notation;
pub mod offline;
pub mod parse;
pub mod patterns;
