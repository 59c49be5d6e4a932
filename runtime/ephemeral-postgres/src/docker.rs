//! PostgreSQL through testcontainers, for machines with a Docker engine (feature `docker`).
//!
//! The container is removed when [`DockerPostgres`] is dropped.

use testcontainers_modules::postgres::Postgres;
use testcontainers_modules::testcontainers::runners::AsyncRunner;
use testcontainers_modules::testcontainers::ContainerAsync;

use crate::Error;

/// A PostgreSQL container; dropping it removes the container.
pub struct DockerPostgres {
    _container: ContainerAsync<Postgres>,
    port: u16,
}

impl DockerPostgres {
    /// Start the testcontainers PostgreSQL module (user, password and database `postgres`).
    pub async fn start() -> Result<Self, Error> {
        let docker = |e: testcontainers_modules::testcontainers::TestcontainersError| {
            Error::Docker(e.to_string())
        };
        let container = Postgres::default().start().await.map_err(docker)?;
        let port = container.get_host_port_ipv4(5432).await.map_err(docker)?;
        Ok(Self {
            _container: container,
            port,
        })
    }

    /// The URL of the container's `postgres` database.
    pub fn url(&self) -> String {
        url_for_port(self.port)
    }
}

fn url_for_port(port: u16) -> String {
    format!("postgres://postgres:postgres@127.0.0.1:{port}/postgres")
}

/// Whether a Docker engine looks reachable (`DOCKER_HOST` set, or the default socket exists).
pub fn engine_available() -> bool {
    std::env::var_os("DOCKER_HOST").is_some()
        || std::path::Path::new("/var/run/docker.sock").exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_points_at_the_mapped_port() {
        assert_eq!(
            url_for_port(49153),
            "postgres://postgres:postgres@127.0.0.1:49153/postgres"
        );
    }

    #[tokio::test]
    async fn container_serves_sql_when_docker_is_present() {
        if !engine_available() {
            eprintln!("SKIPPED: no Docker engine (DOCKER_HOST unset, no /var/run/docker.sock): testcontainers PostgreSQL not started");
            return;
        }
        let pg = DockerPostgres::start().await.unwrap();
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&pg.url())
            .await
            .unwrap();
        let one: i32 = sqlx::query_scalar("SELECT 1")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(one, 1);
    }
}
