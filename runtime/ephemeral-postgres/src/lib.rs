//! Throwaway PostgreSQL clusters started from code, for tests and local stacks.
//!
//! Without Docker, [`EphemeralPostgres::start`] runs the machine's own `initdb` and `postgres`
//! binaries in a fresh temporary directory on a free loopback port (as an unprivileged user when
//! the caller is root), and removes the process and the directory on drop or on SIGINT/SIGTERM.
//! With the `docker` feature, [`docker::DockerPostgres`] starts the same thing through
//! testcontainers.
//!
//! Tests share one cluster and get a fresh database each through [`TestDatabase::create`]:
//! `scripts/test` starts one cluster with the `ephemeral-postgres serve` binary and exports
//! [`SHARED_URL_ENV`]; without it each test process starts its own cluster.
#![deny(missing_docs)]

mod binaries;
mod cleanup;
mod cluster;
#[cfg(feature = "docker")]
pub mod docker;
mod error;
mod template;
mod test_database;
mod user;

pub use binaries::PgBinaries;
pub use cluster::{EphemeralPostgres, Options};
pub use error::Error;
pub use test_database::{TestDatabase, SHARED_URL_ENV};
