//! What `--stack` names: the ephemeral stack on this machine, or a cloud stack. Parsed once by
//! clap, so every command dispatches on the type instead of comparing strings.

use std::fmt;
use std::str::FromStr;

use code_remote_release::{ReleaseError, StackName};

/// The word that names the local stack.
pub const LOCAL: &str = "local";

/// A `--stack` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StackTarget {
    /// `local`: the whole system on this machine (`deploy up --stack local`).
    Local,
    /// A cloud stack (`dev`, `prod`, ...) with its settings in `stacks/<name>.yaml`.
    Cloud(StackName),
}

impl FromStr for StackTarget {
    type Err = ReleaseError;

    fn from_str(value: &str) -> Result<Self, ReleaseError> {
        if value == LOCAL {
            Ok(Self::Local)
        } else {
            StackName::parse(value).map(Self::Cloud)
        }
    }
}

impl fmt::Display for StackTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Local => f.write_str(LOCAL),
            Self::Cloud(name) => name.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_is_the_local_stack_and_other_names_are_checked_cloud_stacks() {
        assert_eq!("local".parse::<StackTarget>().unwrap(), StackTarget::Local);
        let prod = "prod".parse::<StackTarget>().unwrap();
        assert_eq!(prod, StackTarget::Cloud(StackName::parse("prod").unwrap()));
        assert_eq!(prod.to_string(), "prod");
        for bad in ["", "Prod", "../x", "a b", "local\0"] {
            assert!(bad.parse::<StackTarget>().is_err(), "{bad:?}");
        }
    }
}
