//! The stack's components, one module each. A component takes the typed settings it needs and
//! the typed outputs of the components it builds on, declares its resources in the
//! [`Program`](crate::model::Program) and returns the references other components need.

pub mod account;
pub mod artifacts;
pub mod auth;
pub mod bucket;
pub mod database;
pub mod frontend;
pub mod functions;
pub mod http_api;
pub mod messaging;
pub mod network;
pub mod observability;
pub mod secrets;
pub mod websocket;

use crate::config::StackConfig;
use crate::naming::Naming;

/// What every component reads: the stack's settings, its naming and the release to deploy.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// Validated stack settings.
    pub config: &'a StackConfig,
    /// Names and tags for this stack.
    pub naming: Naming,
    /// The release whose Lambda zips the functions use.
    pub release: String,
    /// `${accountId}` (declared by [`account::build`]).
    pub account_id: crate::model::Value,
}

impl<'a> Context<'a> {
    /// The context for `config` and `release`.
    pub fn new(config: &'a StackConfig, release: &str) -> Self {
        Context {
            config,
            naming: match config.review_ttl_hours {
                Some(hours) => Naming::expiring(&config.stack, hours),
                None => Naming::new(&config.stack),
            },
            release: release.to_owned(),
            account_id: crate::model::Value::Ref(crate::model::Ref::variable(
                account::ACCOUNT_VARIABLE,
            )),
        }
    }

    /// Where the stack's buckets go.
    pub fn bucket_place(&self) -> bucket::BucketPlace<'_> {
        bucket::BucketPlace {
            naming: &self.naming,
            account_id: &self.account_id,
            region: &self.config.region,
            force_destroy: !self.config.deletion_protection,
        }
    }

    /// Whether this is the production stack (policy: deletion protection required).
    pub fn is_prod(&self) -> bool {
        self.config.stack == "prod"
    }
}
