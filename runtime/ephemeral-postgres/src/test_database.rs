//! One fresh database per test, in a cluster shared by the whole test run.
//!
//! nextest runs every test in its own process, so the cluster is shared across processes:
//! `scripts/test` starts `ephemeral-postgres serve` once and exports [`SHARED_URL_ENV`]. When the
//! variable is unset (plain `cargo test`, an IDE), the first test in a process starts a cluster
//! for that process, kept alive while any of its databases is.

use std::sync::{Arc, Weak};

use tokio::sync::Mutex;

use crate::cluster::create_database;
use crate::{EphemeralPostgres, Error};

/// The environment variable naming the shared cluster's admin URL (its `postgres` database).
pub const SHARED_URL_ENV: &str = "CODE_REMOTE_TEST_PG_URL";

static LOCAL: Mutex<Weak<EphemeralPostgres>> = Mutex::const_new(Weak::new());

/// A uniquely named, empty database for one test.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: String,
    // Keeps a process-local cluster alive while this database is in use.
    _cluster: Option<Arc<EphemeralPostgres>>,
}

impl TestDatabase {
    /// Create a fresh database in the shared cluster, or in a process-local one when
    /// [`SHARED_URL_ENV`] is unset.
    pub async fn create() -> Result<Self, Error> {
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        match std::env::var(SHARED_URL_ENV) {
            Ok(admin_url) => {
                let url = database_url(&admin_url, &name)?;
                create_database(&admin_url, &name).await?;
                Ok(Self {
                    name,
                    url,
                    _cluster: None,
                })
            }
            Err(_) => {
                let cluster = local_cluster().await?;
                let url = cluster.create_database(&name).await?;
                Ok(Self {
                    name,
                    url,
                    _cluster: Some(cluster),
                })
            }
        }
    }

    /// The database's URL, ready for `PgPool::connect` or the migration engine.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

async fn local_cluster() -> Result<Arc<EphemeralPostgres>, Error> {
    let mut slot = LOCAL.lock().await;
    if let Some(cluster) = slot.upgrade() {
        return Ok(cluster);
    }
    let cluster = Arc::new(EphemeralPostgres::start().await?);
    *slot = Arc::downgrade(&cluster);
    Ok(cluster)
}

/// Swap the database name at the end of an admin URL (`.../postgres` -> `.../<name>`), keeping any query.
fn database_url(admin_url: &str, name: &str) -> Result<String, Error> {
    let bad = |reason: &str| Error::BadSharedUrl {
        variable: SHARED_URL_ENV,
        reason: reason.into(),
    };
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin_url, None),
    };
    let rest = base
        .strip_prefix("postgres://")
        .or_else(|| base.strip_prefix("postgresql://"))
        .ok_or_else(|| bad("it must start with postgres://"))?;
    let host_part = rest.split('/').next().unwrap_or(rest);
    let scheme = &base[..base.len() - rest.len()];
    let mut url = format!("{scheme}{host_part}/{name}");
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::database_url;

    #[test]
    fn database_url_replaces_the_database_and_keeps_the_query() {
        assert_eq!(
            database_url(
                "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
                "t1"
            )
            .unwrap(),
            "postgres://postgres@127.0.0.1:5432/t1?sslmode=disable"
        );
        assert_eq!(
            database_url("postgresql://u@h:1", "t2").unwrap(),
            "postgresql://u@h:1/t2"
        );
    }

    #[test]
    fn database_url_rejects_other_schemes() {
        let err = database_url("mysql://h/db", "x").unwrap_err().to_string();
        assert!(err.contains("CODE_REMOTE_TEST_PG_URL"), "{err}");
    }
}
