//! Turns settings into services, in one place for every process that needs them: the API, the
//! sync worker and `deploy graph resync` build their analyzer, embedder and search backend with
//! [`providers`] and [`backend`], reading the secrets those settings name.
#![deny(missing_docs)]

mod services;

pub use services::{backend, providers, AnalysisMode, ConfiguredProviders, ServicesError};
