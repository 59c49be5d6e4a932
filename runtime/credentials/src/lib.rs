//! Credentials from settings, read where a stack keeps them.
//!
//! The one place that turns a function's settings into what it connects with: the application
//! secrets an operator fills ([`secrets`]: the Gemini key, the Neo4j credentials) and the
//! PostgreSQL connect options ([`connect_options`]: a URL locally, the database secret in AWS,
//! re-read after rotations by [`keep_fresh`]). The store, the services' wiring and the migrate
//! function all read them here.
#![deny(missing_docs)]

mod database;
pub mod secrets;

pub use database::{connect_options, keep_fresh, DatabaseAddressError, REFRESH_EVERY};
