//! Physical names (`code-remote-<stack>-...`) and the tags every taggable resource carries.

use crate::model::{map, Value};

/// The project name used in physical names and the `Project` tag.
pub const PROJECT: &str = "code-remote";

/// Names and tags for one stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Naming {
    stack: String,
}

impl Naming {
    /// Naming for `stack` (already validated by [`crate::config`]).
    pub fn new(stack: &str) -> Self {
        Naming {
            stack: stack.to_owned(),
        }
    }

    /// The stack name.
    pub fn stack(&self) -> &str {
        &self.stack
    }

    /// `code-remote-<stack>-<suffix>`.
    pub fn name(&self, suffix: &str) -> String {
        format!("{PROJECT}-{}-{suffix}", self.stack)
    }

    /// The standard tags plus `Name`.
    pub fn tags(&self, suffix: &str) -> Value {
        map([
            ("Name", self.name(suffix)),
            ("Project", PROJECT.to_owned()),
            ("Environment", self.stack.clone()),
            ("ManagedBy", "pulumi".to_owned()),
        ])
    }
}
