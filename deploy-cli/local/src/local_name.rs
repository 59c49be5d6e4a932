//! Local stack names (`--name`): they become directory names and resource names, and follow the
//! one rule for stack names, `code_remote_config::contract::is_stack_name`.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// The name of a local stack (`--name`; several can run side by side): 1 to 32 lowercase
/// letters, digits and dashes, starting with a letter. It becomes directory and resource names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LocalName(String);

impl LocalName {
    /// The name every command uses when `--name` is not given.
    pub const DEFAULT: &'static str = "local";

    /// Checks `value` and wraps it.
    pub fn parse(value: &str) -> Result<Self, Error> {
        if code_remote_config::contract::is_stack_name(value) {
            Ok(Self(value.to_owned()))
        } else {
            Err(Error::BadName(value.to_owned()))
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for LocalName {
    fn default() -> Self {
        Self(Self::DEFAULT.to_owned())
    }
}

impl FromStr for LocalName {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self, Error> {
        Self::parse(value)
    }
}

impl fmt::Display for LocalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_simple_names() {
        for name in ["local", "a", "e2e-2", "stack-with-32-characters-abcdefg"] {
            assert_eq!(LocalName::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn refuses_names_that_are_not_safe_paths() {
        for name in [
            "",
            "Local",
            "1st",
            "../x",
            "a/b",
            "a b",
            "-x",
            &"a".repeat(33),
        ] {
            let err = LocalName::parse(name).unwrap_err();
            assert!(
                err.to_string().contains("lowercase letters"),
                "{name}: {err}"
            );
        }
    }
}
