//! `pulumi stack output --json`: the stack outputs `deploy` works with after Pulumi is done
//! (names declared in `infra/src/stack.rs`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The Lambda functions of a stack, by the short name the infra program uses.
pub const FUNCTIONS: [&str; 5] = ["api", "ws", "worker", "sync-worker", "migrate"];

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
        self.other
            .get(&format!("{}FunctionName", output_key(function)))
            .and_then(serde_json::Value::as_str)
    }

    /// A string output by its name, for the ones without a field.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.other.get(key).and_then(serde_json::Value::as_str)
    }
}

/// The camelCase key the infra program derives from a function name (`sync-worker` → `syncWorker`).
fn output_key(function: &str) -> String {
    let mut key = String::with_capacity(function.len());
    let mut upper = false;
    for ch in function.chars() {
        if ch == '-' {
            upper = true;
        } else if upper {
            key.extend(ch.to_uppercase());
            upper = false;
        } else {
            key.push(ch);
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::output_key;

    #[test]
    fn function_keys_are_camel_case() {
        assert_eq!(output_key("sync-worker"), "syncWorker");
        assert_eq!(output_key("api"), "api");
    }
}
