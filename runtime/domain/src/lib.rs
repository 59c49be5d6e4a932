//! Domain types shared by the API, the WebSocket handlers and the execution worker.
//!
//! Raw input (HTTP bodies, query strings, queue messages) is parsed here into types that can only
//! hold valid values, so inner code never sees an unchecked `String`. Parsing failures come back as
//! [`validation::ValidationErrors`], whose entries have the shape of the API's 422 bodies.
#![deny(missing_docs)]

pub mod execution;
pub mod ids;
pub mod snippet;
pub mod validation;

pub use execution::{ExecuteRequest, ExecutionJob, ExecutionStatus, TimeoutSeconds};
pub use ids::{ConnectionId, JobId, SnippetId, UserId};
pub use snippet::{NewSnippet, Page, Snippet, SnippetChanges, SnippetSummary};
pub use validation::{ValidationErrors, ValidationIssue};
