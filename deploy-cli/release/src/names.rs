//! Parsed names: a release version and a stack name are checked once, at the boundary, because
//! both end up in file paths and S3 keys.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ReleaseError;

/// A release version such as `v1.4.0` or `dev-3f2a9c1`: letters, digits, `.`, `_`, `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReleaseVersion(String);

impl ReleaseVersion {
    /// Accepts 1 to 64 characters of `[A-Za-z0-9._-]` starting with a letter or digit.
    pub fn parse(text: &str) -> Result<Self, ReleaseError> {
        let ok = !text.is_empty()
            && text.len() <= 64
            && text.starts_with(|c: char| c.is_ascii_alphanumeric())
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(ReleaseError::Invalid(format!(
                "release {text:?} is not a version: use letters, digits, '.', '_' and '-' (e.g. v1.2.3)"
            )))
        }
    }

    /// The version as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ReleaseVersion {
    type Error = ReleaseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ReleaseVersion> for String {
    fn from(value: ReleaseVersion) -> Self {
        value.0
    }
}

impl fmt::Display for ReleaseVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stack name such as `dev` or `prod`: lowercase letters, digits and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StackName(String);

impl StackName {
    /// Accepts 1 to 32 characters of `[a-z0-9-]` starting with a letter.
    pub fn parse(text: &str) -> Result<Self, ReleaseError> {
        if code_remote_config::contract::is_stack_name(text) {
            Ok(Self(text.to_owned()))
        } else {
            Err(ReleaseError::Invalid(format!(
                "stack {text:?} is not a stack name: use lowercase letters, digits and '-' (e.g. dev)"
            )))
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the production stack, which some commands guard.
    pub fn is_prod(&self) -> bool {
        self.0 == "prod"
    }
}

impl std::str::FromStr for StackName {
    type Err = ReleaseError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl TryFrom<String> for StackName {
    type Error = ReleaseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<StackName> for String {
    fn from(value: StackName) -> Self {
        value.0
    }
}

impl fmt::Display for StackName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_stacks_refuse_path_tricks() {
        assert!(ReleaseVersion::parse("v1.2.3").is_ok());
        assert!(ReleaseVersion::parse("dev-3f2a9c1").is_ok());
        for bad in ["", "../x", "v1/2", ".hidden", "a b"] {
            assert!(ReleaseVersion::parse(bad).is_err(), "{bad}");
        }
        assert!(StackName::parse("prod").is_ok());
        for bad in ["", "Prod", "1dev", "dev/x", "dev_x"] {
            assert!(StackName::parse(bad).is_err(), "{bad}");
        }
    }
}
