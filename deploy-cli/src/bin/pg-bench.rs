//! Benchmark: time from nothing to "ephemeral PostgreSQL up with every migration applied",
//! median of 5 with min and max, beside baselines measured in the same run.
//!
//! `cargo run --release -p code-remote-deploy --bin pg-bench`

use std::time::{Duration, Instant};

use anyhow::Context;
use code_remote_ephemeral_postgres::{EphemeralPostgres, Options};
use code_remote_migrations::postgres::PostgresBackend;
use code_remote_migrations::{Dialect, History, Migrator, Source, Target};

const RUNS: usize = 5;

async fn once(template_cache: bool, migrate: bool) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let options = Options {
        template_cache,
        ..Options::default()
    };
    let cluster = EphemeralPostgres::start_with(options)
        .await
        .context("starting PostgreSQL")?;
    if migrate {
        let history = History::load(&Source::embedded(Dialect::Postgres))?;
        let backend = PostgresBackend::connect(&cluster.url()).await?;
        Migrator::new(history, backend)
            .upgrade(&Target::Head)
            .await?;
    }
    let elapsed = started.elapsed();
    drop(cluster);
    Ok(elapsed)
}

async fn measure(label: &str, template_cache: bool, migrate: bool) -> anyhow::Result<Duration> {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        times.push(once(template_cache, migrate).await?);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label:<58} median {:7.1} ms   min {:7.1} ms   max {:7.1} ms",
        ms(times[RUNS / 2]),
        ms(times[0]),
        ms(times[RUNS - 1])
    );
    Ok(times[RUNS / 2])
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let revisions = History::load(&Source::embedded(Dialect::Postgres))?
        .revisions()
        .len();
    println!("ephemeral PostgreSQL, {RUNS} runs each, {revisions} PostgreSQL revisions");
    // One untimed start fills the initdb template cache, as the first test run on a machine does.
    once(true, false).await?;
    let target = measure(
        "up + all migrations (template cache)        [target]",
        true,
        true,
    )
    .await?;
    measure("up + all migrations (cold initdb every time)", false, true).await?;
    measure(
        "baseline: bare initdb + start, no migrations, no cache",
        false,
        false,
    )
    .await?;
    let verdict = if target < Duration::from_millis(1500) {
        "met"
    } else {
        "MISSED"
    };
    println!("target under 1500 ms: {verdict}");
    Ok(())
}
