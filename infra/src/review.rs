//! Review stacks: `pr-<N>`, one per pull request, with settings derived from dev's so that no
//! file is committed for them. They are smaller than dev (two zones, one NAT gateway, at most one
//! Aurora capacity unit, a small worker, three days of logs), delete everything with the stack
//! (no deletion protection: buckets and the database go), use their own names
//! (`code-remote-pr-<N>-...`), and carry a time to live: `deploy reap` destroys one
//! [`TTL_HOURS`] after its last deploy (docs/runbook.md, "Review stacks").

use serde_yaml_ng::{Mapping, Value};

use crate::error::InfraError;

/// Hours after its last deploy when a review stack expires.
pub const TTL_HOURS: u32 = 72;

/// The prefix of review stacks' names.
pub const PREFIX: &str = "pr-";

/// The pull request a review stack is for: `pr-42` is 42; other names are not review stacks.
pub fn number(stack: &str) -> Option<u32> {
    let digits = stack.strip_prefix(PREFIX)?;
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// What a review stack changes in dev's settings.
fn overrides() -> Vec<(&'static str, Value)> {
    let mut throttle = Mapping::new();
    throttle.insert("burstLimit".into(), 10.into());
    throttle.insert("rateLimit".into(), 5.into());
    vec![
        ("code-remote:azCount", 2.into()),
        ("code-remote:natPerAz", false.into()),
        ("code-remote:auroraMinAcu", 0.into()),
        ("code-remote:auroraMaxAcu", 1.into()),
        ("code-remote:deletionProtection", false.into()),
        ("code-remote:neo4jEnabled", false.into()),
        ("code-remote:apiThrottle", Value::Mapping(throttle)),
        ("code-remote:logRetentionDays", 3.into()),
        ("code-remote:workerReservedConcurrency", 2.into()),
        ("code-remote:reviewTtlHours", TTL_HOURS.into()),
    ]
}

/// Settings a review stack does not share with dev: a custom domain and the alarm address
/// belong to dev alone.
const NOT_INHERITED: [&str; 2] = ["code-remote:domain", "code-remote:alarmEmail"];

/// The stack file of review stack `stack` from dev's stack file `dev`: dev's `config` with the
/// review overrides; Pulumi's own keys of dev (salt, secrets provider) are not carried.
pub fn derive(stack: &str, dev: &str) -> Result<String, InfraError> {
    let invalid = |message: String| InfraError::InvalidSetting {
        key: "config",
        message,
    };
    if number(stack).is_none() {
        return Err(invalid(format!(
            "{stack} is not a review stack: use {PREFIX}<pull request number>"
        )));
    }
    let document: Value =
        serde_yaml_ng::from_str(dev).map_err(|err| invalid(format!("dev's settings: {err}")))?;
    let mut config = document
        .get("config")
        .and_then(Value::as_mapping)
        .cloned()
        .ok_or_else(|| invalid("dev's settings have no `config` mapping".to_owned()))?;
    for key in NOT_INHERITED {
        config.remove(key);
    }
    for (key, value) in overrides() {
        config.insert(key.into(), value);
    }
    let mut file = Mapping::new();
    file.insert("config".into(), Value::Mapping(config));
    let body = serde_yaml_ng::to_string(&Value::Mapping(file))
        .map_err(|err| invalid(format!("writing the settings: {err}")))?;
    Ok(format!(
        "# Review stack {stack}: derived from stacks/dev.yaml by `deploy` (infra/src/review.rs);\n\
         # not committed. Expires {TTL_HOURS} hours after its last deploy (`deploy reap`).\n{body}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pr_and_a_pull_request_number_name_a_review_stack() {
        assert_eq!(number("pr-42"), Some(42));
        assert_eq!(number("pr-1"), Some(1));
        for other in [
            "dev",
            "prod",
            "pr-",
            "pr-0",
            "pr-042",
            "pr-4a",
            "pr--4",
            "xpr-4",
            "pr-99999999999",
        ] {
            assert_eq!(number(other), None, "{other}");
        }
    }

    #[test]
    fn a_review_stack_keeps_devs_settings_but_its_size_and_lifetime() {
        let dev = "encryptionsalt: v1:abc\nconfig:\n  aws:region: eu-west-1\n  code-remote:azCount: 3\n  code-remote:domain: dev.example.com\n  code-remote:logRetentionDays: 14\n";
        let derived = derive("pr-7", dev).unwrap();
        let value: Value = serde_yaml_ng::from_str(&derived).unwrap();
        let config = value["config"].as_mapping().unwrap();
        assert_eq!(value.get("encryptionsalt"), None, "{derived}");
        assert_eq!(config["aws:region"], Value::from("eu-west-1"));
        assert_eq!(config["code-remote:azCount"], Value::from(2));
        assert_eq!(config["code-remote:logRetentionDays"], Value::from(3));
        assert_eq!(config["code-remote:reviewTtlHours"], Value::from(TTL_HOURS));
        assert!(!config.contains_key("code-remote:domain"), "{derived}");
        assert!(derive("dev", dev).is_err());
        assert!(derive("pr-7", "config: []").is_err());
    }
}
