//! Where a queue is: an SQS URL (every deployed stack) or `pgqueue://<name>`, a queue of the
//! PostgreSQL engine in the database the process already uses (local stacks; docs/queues.md).

use crate::{vars, ConfigError, Env};

/// The scheme of a PostgreSQL engine queue's address.
pub const POSTGRES_QUEUE_SCHEME: &str = "pgqueue://";

/// A queue's address, parsed from its variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueAddress {
    /// An SQS queue URL (`https://sqs.<region>.amazonaws.com/<account>/<name>.fifo`).
    Sqs {
        /// The URL, without a trailing slash.
        url: String,
    },
    /// A queue of the PostgreSQL engine, in the process's own database.
    Postgres {
        /// The queue's name.
        name: String,
    },
}

impl QueueAddress {
    /// Parses `value` of `variable`: an http(s) URL or `pgqueue://<name>`; either must name a
    /// FIFO queue (ending in `.fifo`).
    pub fn parse(variable: &'static str, value: &str) -> Result<Self, ConfigError> {
        let invalid = |reason: String| ConfigError::Invalid { variable, reason };
        let address = if let Some(name) = value.strip_prefix(POSTGRES_QUEUE_SCHEME) {
            let valid = !name.is_empty()
                && name.len() <= 80
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !valid {
                return Err(invalid(format!(
                    "{value:?}: a queue name has 1 to 80 letters, digits, '-', '_' or '.'"
                )));
            }
            QueueAddress::Postgres {
                name: name.to_owned(),
            }
        } else if value.starts_with("http://") || value.starts_with("https://") {
            QueueAddress::Sqs {
                url: value.trim_end_matches('/').to_owned(),
            }
        } else {
            return Err(invalid(format!(
                "expected an SQS queue URL (http(s)://…) or {POSTGRES_QUEUE_SCHEME}<name>, got {value:?}"
            )));
        };
        if !address.to_string().ends_with(".fifo") {
            return Err(invalid(
                "expected a FIFO queue (its name ends in .fifo)".to_owned(),
            ));
        }
        Ok(address)
    }

    /// Which engine holds the queue: `sqs` or `postgres`.
    pub fn engine(&self) -> &'static str {
        match self {
            QueueAddress::Sqs { .. } => "sqs",
            QueueAddress::Postgres { .. } => "postgres",
        }
    }
}

impl std::fmt::Display for QueueAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueueAddress::Sqs { url } => f.write_str(url),
            QueueAddress::Postgres { name } => write!(f, "{POSTGRES_QUEUE_SCHEME}{name}"),
        }
    }
}

/// The FIFO queue that carries execution jobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConfig {
    /// `EXECUTION_QUEUE_URL`.
    pub execution_queue: QueueAddress,
}

impl QueueConfig {
    /// The variables [`QueueConfig::load`] reads.
    pub const VARIABLES: &'static [&'static str] = &[vars::EXECUTION_QUEUE_URL];

    /// Reads `EXECUTION_QUEUE_URL`.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let value = env.required(vars::EXECUTION_QUEUE_URL)?;
        Ok(Self {
            execution_queue: QueueAddress::parse(vars::EXECUTION_QUEUE_URL, &value)?,
        })
    }
}

/// The FIFO queue that carries snippet-sync events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncQueueConfig {
    /// `SYNC_QUEUE_URL`.
    pub sync_queue: QueueAddress,
}

impl SyncQueueConfig {
    /// The variables [`SyncQueueConfig::load`] reads.
    pub const VARIABLES: &'static [&'static str] = &[vars::SYNC_QUEUE_URL];

    /// Reads `SYNC_QUEUE_URL`.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let value = env.required(vars::SYNC_QUEUE_URL)?;
        Ok(Self {
            sync_queue: QueueAddress::parse(vars::SYNC_QUEUE_URL, &value)?,
        })
    }

    /// Like [`SyncQueueConfig::load`], but `None` when `SYNC_QUEUE_URL` is unset.
    pub fn load_optional(env: &Env) -> Result<Option<Self>, ConfigError> {
        match env.optional(vars::SYNC_QUEUE_URL) {
            None => Ok(None),
            Some(_) => Self::load(env).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqs_urls_and_postgres_names_parse_and_print_back() {
        for value in [
            "https://sqs.eu-west-1.amazonaws.com/1/code-remote-prod-execution.fifo",
            "pgqueue://code-remote-local-execution.fifo",
        ] {
            let address = QueueAddress::parse("EXECUTION_QUEUE_URL", value).unwrap();
            assert_eq!(address.to_string(), value);
        }
        let address = QueueAddress::parse("X", "pgqueue://jobs.fifo").unwrap();
        assert_eq!(address.engine(), "postgres");
    }

    #[test]
    fn bad_addresses_name_their_variable() {
        for value in [
            "http://localhost/q",
            "pgqueue://jobs",
            "pgqueue://",
            "pgqueue://a b.fifo",
            "pgqueue://a\0.fifo",
            "ftp://host/q.fifo",
            "jobs.fifo",
        ] {
            let err = QueueAddress::parse("SYNC_QUEUE_URL", value).unwrap_err();
            assert_eq!(err.variable(), "SYNC_QUEUE_URL", "{value}");
        }
        let long = format!("pgqueue://{}.fifo", "a".repeat(80));
        assert!(QueueAddress::parse("X", &long).is_err());
        assert!(SyncQueueConfig::load_optional(&Env::from_pairs([]))
            .unwrap()
            .is_none());
    }
}
