//! What every stack operation needs: the stack, its AWS clients, its Pulumi driver, who is
//! acting, and where progress goes.

use code_remote_pulumi::{PreviewDigest, ProgressLine, Pulumi, StackOutputs};

use crate::aws::AwsClients;
use crate::error::ReleaseError;
use crate::lock::DeployLock;
use crate::names::StackName;
use crate::record::RecordStore;
use crate::smoke::SmokeSettings;
use crate::store::JsonBucket;

/// Something worth showing while an operation runs.
#[derive(Debug)]
pub enum Event<'a> {
    /// A step starts (`pulumi up`, `migrate`, `aliases`, ...).
    Step(&'a str),
    /// A step's result in one line.
    Done(&'a str, String),
    /// A line of Pulumi's progress.
    Pulumi(&'a ProgressLine),
}

/// Where progress goes (a spinner on a TTY, log lines in CI, nothing in tests).
pub type Observer<'a> = &'a (dyn Fn(Event<'_>) + Send + Sync);

/// Decides whether to apply a previewed plan (a prompt at a terminal; always yes with `--yes`).
pub type Confirm<'a> = &'a (dyn Fn(&PreviewDigest) -> bool + Send + Sync);

/// One stack, ready to be operated on.
#[derive(Debug, Clone)]
pub struct StackContext {
    /// The stack.
    pub stack: StackName,
    /// AWS clients (credentials already checked).
    pub aws: AwsClients,
    /// The Pulumi CLI bound to this stack.
    pub pulumi: Pulumi,
    /// Who acts, for the lock and the records.
    pub actor: String,
    /// How hard smoke tests try.
    pub smoke: SmokeSettings,
    /// How long a deploy lock lasts before another deploy may take it over.
    pub lock_ttl: chrono::Duration,
    /// Artifacts beyond the functions that the stack's settings need, with the setting that
    /// needs each (`layers/embedding-model.zip` for `code-remote:embedder: minilm`); a release
    /// without one is refused before anything changes.
    pub required_artifacts: Vec<(String, String)>,
}

impl StackContext {
    /// The stack's outputs (after login and stack selection).
    pub fn outputs(&self) -> Result<StackOutputs, ReleaseError> {
        self.pulumi.login_and_select()?;
        Ok(self.pulumi.outputs()?)
    }

    /// The artifacts bucket as a document store.
    pub fn bucket(&self, outputs: &StackOutputs) -> JsonBucket {
        JsonBucket::new(self.aws.s3.clone(), &outputs.artifacts_bucket)
    }

    /// The stack's release records.
    pub fn records(&self, outputs: &StackOutputs) -> RecordStore {
        RecordStore::new(self.bucket(outputs), self.stack.clone())
    }

    /// Takes the stack's deploy lock for `purpose`.
    pub async fn lock(
        &self,
        outputs: &StackOutputs,
        purpose: &str,
    ) -> Result<DeployLock, ReleaseError> {
        DeployLock::acquire(
            &self.bucket(outputs),
            &self.stack,
            &self.actor,
            purpose,
            self.lock_ttl,
        )
        .await
    }

    /// The deployed name of a function, from the outputs.
    pub fn function_name<'o>(
        &self,
        outputs: &'o StackOutputs,
        function: &str,
    ) -> Result<&'o str, ReleaseError> {
        outputs
            .function_name(function)
            .ok_or_else(|| ReleaseError::MissingOutput(format!("{function} function name")))
    }
}

/// Who is acting: `GITHUB_ACTOR` in Actions (with the run), else `user@host`.
pub fn default_actor() -> String {
    if let (Ok(actor), Ok(run)) = (
        std::env::var("GITHUB_ACTOR"),
        std::env::var("GITHUB_RUN_ID"),
    ) {
        let repo = std::env::var("GITHUB_REPOSITORY").unwrap_or_default();
        return format!("github:{actor} ({repo} run {run})");
    }
    let user = std::env::var("USER").unwrap_or_else(|_| "someone".to_owned());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "localhost".to_owned());
    format!("{user}@{host}")
}
