//! `pulumi stack output --json`: the stack outputs `deploy` works with after Pulumi is done
//! (names declared in `infra/src/stack.rs`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The ids of the stack's Lambda functions (the stack contract's list).
pub fn function_ids() -> [&'static str; 5] {
    code_remote_config::Function::ALL.map(code_remote_config::Function::id)
}

/// The outputs of one stack, with the ones `deploy` needs made mandatory.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StackOutputs {
    /// The HTTP API's base URL; smoke tests call `GET {apiUrl}/health`.
    pub api_url: String,
    /// The frontend bucket the built bundle is synced into.
    pub frontend_bucket: String,
    /// The CloudFront distribution in front of the frontend bucket.
    pub distribution_id: String,
    /// The public URL of the frontend.
    pub frontend_url: String,
    /// The bucket holding release artifacts, release records and the deploy lock.
    pub artifacts_bucket: String,
    /// Every other output (queue URLs, secret ARNs, function names, alias ARNs, ...).
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

impl StackOutputs {
    /// Parses what `pulumi stack output --json` prints.
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The deployed name of a function (`api`, `sync-worker`, ...), from `<key>FunctionName`.
    pub fn function_name(&self, function: &str) -> Option<&str> {
        let key = code_remote_config::Function::from_id(function)?.output_key();
        self.other
            .get(&format!("{key}FunctionName"))
            .and_then(serde_json::Value::as_str)
    }

    /// A string output by its name, for the ones without a field.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.other.get(key).and_then(serde_json::Value::as_str)
    }
}
