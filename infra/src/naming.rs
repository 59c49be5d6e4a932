//! Physical names (`code-remote-<stack>-...`) and the tags every taggable resource carries.

use crate::model::{map, Value};

/// The project name used in physical names and the `Project` tag.
pub const PROJECT: &str = "code-remote";

/// Names and tags for one stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Naming {
    stack: String,
    ttl_hours: Option<u32>,
}

impl Naming {
    /// Naming for `stack` (already validated by [`crate::config`]).
    pub fn new(stack: &str) -> Self {
        Naming {
            stack: stack.to_owned(),
            ttl_hours: None,
        }
    }

    /// Naming for a review stack: its resources also carry `ReviewTtlHours`, the hours after its
    /// last deploy when `deploy reap` destroys it.
    pub fn expiring(stack: &str, ttl_hours: u32) -> Self {
        Naming {
            stack: stack.to_owned(),
            ttl_hours: Some(ttl_hours),
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

    /// The standard tags plus `Name` (and a review stack's `ReviewTtlHours`).
    pub fn tags(&self, suffix: &str) -> Value {
        let mut tags = vec![
            ("Name", self.name(suffix)),
            ("Project", PROJECT.to_owned()),
            ("Environment", self.stack.clone()),
            ("ManagedBy", "pulumi".to_owned()),
        ];
        if let Some(hours) = self.ttl_hours {
            tags.push(("ReviewTtlHours", hours.to_string()));
        }
        map(tags)
    }
}
