//! Identifiers: newtypes so a snippet id can never be passed where a user id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

use crate::validation::{ValidationErrors, ValidationIssue};

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh random id.
            pub fn generate() -> Self {
                Self(Uuid::new_v4())
            }

            /// Wraps a UUID read from a trusted source (the database).
            pub fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            /// The UUID, for binding into queries.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }

            /// Parses the URL path parameter `field`, failing with the 422 issue the API
            /// returns for a value that is not a UUID.
            pub fn parse_path(segment: &str, field: &str) -> Result<Self, ValidationErrors> {
                Uuid::parse_str(segment).map(Self).map_err(|err| {
                    ValidationErrors::single(ValidationIssue::new(
                        &["path", field],
                        format!("Input should be a valid UUID, {err}"),
                        "uuid_parsing",
                    ))
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

uuid_id!(
    /// A user's row id in PostgreSQL (not the Cognito `sub`).
    UserId
);
uuid_id!(
    /// A snippet's id.
    SnippetId
);
uuid_id!(
    /// An execution job's id; also the execution row's id and the SQS deduplication id.
    JobId
);

/// A WebSocket connection id as API Gateway issues it (1..=256 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConnectionId(String);

/// Why a string is not a connection id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidConnectionId {
    /// Empty or longer than 256 characters.
    #[error("connection ids have 1 to 256 characters")]
    Length,
    /// Contains characters that cannot appear in a URL path segment unescaped.
    #[error("connection ids contain only letters, digits and '=', '-', '_', '+', '/'")]
    Characters,
}

impl ConnectionId {
    /// Parses a connection id, refusing lengths outside 1..=256 and characters API Gateway never uses.
    pub fn parse(value: impl Into<String>) -> Result<Self, InvalidConnectionId> {
        let value = value.into();
        let length = value.chars().count();
        if length == 0 || length > 256 {
            return Err(InvalidConnectionId::Length);
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '=' | '-' | '_' | '+' | '/'))
        {
            return Err(InvalidConnectionId::Characters);
        }
        Ok(Self(value))
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ConnectionId {
    type Error = InvalidConnectionId;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<ConnectionId> for String {
    fn from(id: ConnectionId) -> Self {
        id.0
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_ids_are_bounded() {
        assert!(ConnectionId::parse("abcDEF123=").is_ok());
        assert_eq!(ConnectionId::parse(""), Err(InvalidConnectionId::Length));
        assert_eq!(
            ConnectionId::parse("a".repeat(257)),
            Err(InvalidConnectionId::Length)
        );
        assert_eq!(
            ConnectionId::parse("../x"),
            Err(InvalidConnectionId::Characters)
        );
    }

    #[test]
    fn non_uuid_path_is_a_422_issue() {
        let errors = SnippetId::parse_path("nope", "id").unwrap_err();
        assert_eq!(errors.0[0].loc, ["path", "id"]);
        assert_eq!(errors.0[0].kind, "uuid_parsing");
        let errors = JobId::parse_path("\0", "job_id").unwrap_err();
        assert_eq!(errors.0[0].loc, ["path", "job_id"]);
    }
}
