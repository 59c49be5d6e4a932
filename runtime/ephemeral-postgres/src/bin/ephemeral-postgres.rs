//! `ephemeral-postgres serve`: start one throwaway cluster, print its URLs as one JSON line on
//! stdout, and keep it until SIGINT/SIGTERM (which removes it). `scripts/test` uses it to share
//! one cluster across every test process.

use anyhow::{bail, Context};
use code_remote_ephemeral_postgres::EphemeralPostgres;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let command = std::env::args().nth(1);
    if command.as_deref() != Some("serve") {
        bail!("usage: ephemeral-postgres serve  (prints {{\"admin_url\", \"url\", \"pid\", \"dir\"}} and runs until killed)");
    }
    let cluster = EphemeralPostgres::start()
        .await
        .context("starting PostgreSQL")?;
    let line = serde_json::json!({
        "admin_url": cluster.admin_url(),
        "url": cluster.url(),
        "pid": cluster.pid(),
        "dir": cluster.root_dir(),
    });
    println!("{line}");
    // Until a signal: the library's signal thread removes the cluster and ends the process.
    std::future::pending::<()>().await;
    Ok(())
}
