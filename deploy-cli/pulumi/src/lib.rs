//! The Pulumi side of `deploy`: running the real `pulumi` CLI and reading what it prints.
//!
//! There is no Rust Pulumi SDK worth depending on (docs/architecture.md), so `deploy` drives
//! the CLI the way an operator would: `login`, `stack select --create`, `preview --json`,
//! `up --yes --json`, `stack output --json`, `refresh`, `destroy`. Everything the CLI prints in its
//! documented JSON formats is parsed into types here: the [`PreviewDigest`] of `preview --json`,
//! the [`EngineEvent`] stream of `up --json`, the [`StackOutputs`] of `stack output --json`.
//!
//! [`Tool`] is the one helper through which `deploy` runs any external program (pulumi,
//! cargo-lambda, cargo, npm): it logs the command line, lets an environment variable replace the
//! binary (which is how tests replay recorded Pulumi output), and turns a missing binary or a
//! failed run into an error that says what to do.
#![deny(missing_docs)]

mod digest;
mod driver;
mod error;
mod events;
mod outputs;
mod stack_file;
mod tool;

pub use digest::{write_table, DiffRow, Drift, PreviewDigest, PreviewStep};
pub use driver::{PreviewOptions, Pulumi, PulumiSettings, StackSummary, UpOptions, UpSummary};
pub use error::PulumiError;
pub use events::{EngineEvent, Progress, ProgressLine, ResourceEvent, StepMetadata, SummaryEvent};
pub use outputs::{function_ids, StackOutputs};
pub use stack_file::working_copy;
pub use tool::{Tool, ToolError};
