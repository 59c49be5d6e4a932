//! What can go wrong driving Pulumi.

use crate::tool::ToolError;

/// A Pulumi step that did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum PulumiError {
    /// The CLI is missing or one of its commands failed.
    #[error(transparent)]
    Tool(#[from] ToolError),
    /// No backend session: Pulumi would prompt, which `deploy` never lets it do.
    #[error("not logged in to a Pulumi backend: run `pulumi login` (or set PULUMI_BACKEND_URL, or PULUMI_ACCESS_TOKEN for Pulumi Cloud)")]
    NotLoggedIn,
    /// The CLI printed something that is not the documented JSON.
    #[error("could not read the output of `pulumi {command}`: {source}; is the Pulumi CLI 3.x?")]
    Unreadable {
        /// The subcommand whose output it was.
        command: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// `pulumi up` (or destroy/refresh) reported failed resource operations.
    #[error("pulumi {command} failed: {}", details.join("; "))]
    UpdateFailed {
        /// The subcommand.
        command: String,
        /// The failed operations and error diagnostics.
        details: Vec<String>,
    },
    /// The working copy of the stack file could not be written.
    #[error("preparing Pulumi's copy of the stack file at {path}: {source}")]
    WorkingCopy {
        /// The file or directory.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The stack is not in the backend, and this run may not create it (only review stacks and
    /// the account bootstrap create stacks).
    #[error("stack `{stack}` is not in the backend {backend}: check that PULUMI_BACKEND_URL is the state folder of the stack's environment; `deploy bootstrap --account dev|prod` creates dev and prod there, and any other stack is created once with `pulumi stack init {stack} --secrets-provider <its CODE_REMOTE_SECRETS_PROVIDER>` in infra/")]
    NoStack {
        /// The stack.
        stack: String,
        /// The backend logged in to.
        backend: String,
    },
    /// The stack's settings file is not where `deploy` expects it.
    #[error("no stack settings at {0}: create stacks/<stack>.yaml (see stacks/dev.yaml)")]
    NoStackFile(std::path::PathBuf),
}
