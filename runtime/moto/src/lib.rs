//! moto's server as a real AWS endpoint for tests and local stacks.
//!
//! [`MotoServer::shared`] gives every test of a process one server: the one named by `MOTO_URL`
//! when a harness already runs it, otherwise a `moto_server` started on a free port from the
//! project's `.venv` (installed by `scripts/setup-venv`) that dies with the process. Tests isolate
//! themselves with unique queue and pool names, so they can run in parallel on one server;
//! [`MotoServer::reset`] wipes everything for harnesses that run one scenario at a time.
//! [`Wire`] and [`Cognito`] speak to any moto, this process's or the local stack's.
#![deny(missing_docs)]

mod cognito;
mod server;
mod wire;

pub use cognito::{fresh_password, signing_jwk, Cognito, UserPool};
pub use server::{sdk_config, MotoError, MotoServer};
pub use wire::{string_at, Wire};

/// The region every emulated resource lives in (moto's Cognito always issues tokens for it).
pub const REGION: &str = "us-east-1";

/// The access key id of [`MotoServer::sdk_config`] (moto accepts any): what a test gives the
/// local WebSocket gateway so that pushes signed with it are accepted.
pub const ACCESS_KEY_ID: &str = "testing";
