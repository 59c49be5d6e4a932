//! Everything a release step can fail with, worded as what to do next.

use std::path::PathBuf;

use code_remote_pulumi::{PulumiError, ToolError};

/// Why a build, deploy, promotion or rollback stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// A value given on the command line is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// A step after the alias move failed; traffic is back on the previous versions, but the
    /// previous frontend could not be restored.
    #[error("{cause}; traffic is back on the previous versions, but {note}")]
    TrafficBack {
        /// What failed after the alias move.
        cause: Box<ReleaseError>,
        /// What could not be restored.
        note: String,
    },
    /// A step after the alias move failed and the aliases could not be moved back.
    #[error("{cause}; moving the aliases back failed too ({back}): run `deploy rollback --stack {stack}` (docs/runbook.md)")]
    TrafficStuck {
        /// What failed after the alias move.
        cause: Box<ReleaseError>,
        /// Why the aliases did not move back.
        back: Box<ReleaseError>,
        /// The stack.
        stack: String,
    },
    /// The deploy lock expired and another deploy took it over while this one ran.
    #[error("the deploy lock of stack {0} was taken over by another deploy while this one ran; this deploy stopped; check `deploy status --stack {0}` before going on")]
    LockLost(String),
    /// A secret the stack needs before traffic may move is empty.
    #[error("stack {stack} searches with Neo4j but its {secret} secret is empty: run `deploy secrets set --stack {stack} {secret}` (docs/runbook.md); traffic was not moved")]
    SecretUnset {
        /// The stack.
        stack: String,
        /// The secret's name on the command line.
        secret: &'static str,
    },
    /// An external tool is missing or failed.
    #[error(transparent)]
    Tool(#[from] ToolError),
    /// Pulumi is missing, not logged in, or its update failed.
    #[error(transparent)]
    Pulumi(#[from] PulumiError),
    /// No AWS credentials could be found.
    #[error("no AWS credentials: {0}; configure a profile (aws configure / AWS_PROFILE), export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or assume a role by OIDC in CI")]
    NoCredentials(String),
    /// An AWS API call failed.
    #[error("aws {operation} failed: {message}")]
    Aws {
        /// The API operation, e.g. `s3:PutObject`.
        operation: &'static str,
        /// The service's error, flattened.
        message: String,
    },
    /// Reading or writing a local file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// A stored document (manifest, record, lock) is not what `deploy` writes.
    #[error("{what} is unreadable ({source}); it was not written by this version of deploy")]
    Unreadable {
        /// Which document.
        what: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// No release directory or manifest where one was expected.
    #[error("no release {0} here: run `deploy build --release {0}` first")]
    NoRelease(String),
    /// A file's digest differs from the manifest's.
    #[error("{name}: sha256 {actual} does not match the manifest's {expected}; rebuild or re-download the release")]
    DigestMismatch {
        /// The artifact.
        name: String,
        /// The digest the manifest records.
        expected: String,
        /// The digest of the bytes found.
        actual: String,
    },
    /// Another deploy of the same stack holds the lock.
    #[error("stack {stack} is locked by {owner} since {age} ago (expires in {expires_in}); wait for it to finish or expire; if that deploy died, see docs/runbook.md (stale deploy lock)")]
    Locked {
        /// The stack.
        stack: String,
        /// Who holds the lock.
        owner: String,
        /// How long it has been held, human-readable.
        age: String,
        /// How long until it expires, human-readable.
        expires_in: String,
    },
    /// The migrate Lambda reported a failure (or was not there to ask).
    #[error("migrations failed, aliases not moved: {0}; see docs/runbook.md (recover a failed migration)")]
    MigrationFailed(String),
    /// The migrate Lambda answered with something that is not a migration result.
    #[error("the migrate Lambda answered with something that is not a migration result ({0}); is the deployed migrate function from this release?")]
    NotAMigrationResult(String),
    /// The smoke tests failed after the aliases moved; they were moved back.
    #[error("smoke tests failed ({0}); the live aliases were moved back to the previous release")]
    SmokeFailed(String),
    /// A release cannot be promoted.
    #[error("refusing to promote {release}: {reason}")]
    PromotionRefused {
        /// The release.
        release: String,
        /// Why not.
        reason: String,
    },
    /// There is nothing to roll back to.
    #[error(
        "nothing to roll back to on stack {0}: no earlier release passed its smoke tests there"
    )]
    NoPreviousRelease(String),
    /// A published Lambda version does not carry the release's code.
    #[error("function {function}: the published version's code sha256 {actual} is not the release's {expected}; did `pulumi up` deploy this release?")]
    CodeMismatch {
        /// The function.
        function: String,
        /// Base64 sha256 from the manifest.
        expected: String,
        /// Base64 sha256 Lambda reports.
        actual: String,
    },
    /// A stack output `deploy` needs is missing.
    #[error(
        "stack output {0} is missing: run `deploy up` for this stack (or check infra/src/stack.rs)"
    )]
    MissingOutput(String),
    /// The operator answered no at the confirmation prompt.
    #[error("cancelled: nothing was changed")]
    Cancelled,
    /// Resources of the stack were changed outside Pulumi since its last deploy.
    #[error(
        "stack {stack} was changed outside Pulumi since its last deploy:\n{table}to keep a \
         change, put it in the program; to undo them, deploy with --accept-drift (the program \
         wins); `deploy drift --stack {stack}` shows them again"
    )]
    Drift {
        /// The stack.
        stack: String,
        /// The drifted resources, as a table.
        table: String,
    },
    /// The preview a saved plan approved is not what would be applied now.
    #[error(
        "the plan saved for stack {stack} no longer matches what would be applied ({differences}); \
         nothing was deployed: preview again with `deploy preview --stack {stack} --save-plan`"
    )]
    PlanMismatch {
        /// The stack.
        stack: String,
        /// What differs, e.g. `now also: update aws:lambda/function:Function api`.
        differences: String,
    },
    /// `--plan` was asked for but no plan was saved for this release and stack.
    #[error("no saved plan for stack {stack} in {dir}: run `deploy preview --stack {stack} --release <release> --save-plan` first")]
    NoSavedPlan {
        /// The stack.
        stack: String,
        /// Where it was looked for.
        dir: String,
    },
    /// A build produced no Lambda at all.
    #[error("no Lambda binaries to build: none of {0} is a binary target of the workspace")]
    NothingToBuild(String),
}

impl ReleaseError {
    /// Wraps an AWS SDK error with the operation it came from, keeping the service's message.
    pub fn aws(operation: &'static str, error: impl std::error::Error) -> Self {
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            if !message.contains(&text) {
                message = format!("{message}: {text}");
            }
            source = cause.source();
        }
        Self::Aws { operation, message }
    }

    /// Wraps a file-system error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}
