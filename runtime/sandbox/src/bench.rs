//! `sandbox bench`: latency and throughput of the sandbox against the floor of the naive
//! design (spawning a fresh `python3 -I -S` per execution), measured in the same run.

use std::fmt;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::process::Command;
use tokio::task::JoinSet;

use crate::{Sandbox, SandboxError};

/// `print("hello world")`.
pub const HELLO: &str = "print(\"hello world\")";
/// A CPU-bound workload: recursive fib(20).
pub const FIB: &str =
    "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nprint(fib(20))";

/// How much work the benchmark does.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Sequential runs for the latency percentiles.
    pub latency_runs: usize,
    /// Executions per throughput measurement of hello world.
    pub hello_runs: usize,
    /// Executions per throughput measurement of fib(20).
    pub fib_runs: usize,
    /// Concurrency levels to measure.
    pub concurrency: Vec<usize>,
    /// The interpreter for the naive floor.
    pub python: PathBuf,
}

impl Default for BenchOptions {
    fn default() -> Self {
        Self {
            latency_runs: 300,
            hello_runs: 600,
            fib_runs: 120,
            concurrency: vec![1, 2, 8],
            python: PathBuf::from("/usr/bin/python3"),
        }
    }
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    /// Median.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
}

/// One throughput measurement.
#[derive(Debug, Clone)]
pub struct Throughput {
    /// `sandbox` or `floor`.
    pub engine: &'static str,
    /// `hello` or `fib(20)`.
    pub workload: &'static str,
    /// Executions in flight at once.
    pub concurrency: usize,
    /// Completed executions per second.
    pub per_second: f64,
}

/// Everything `sandbox bench` prints.
#[derive(Debug, Clone)]
pub struct BenchReport {
    /// The layers active during the measurement.
    pub layers: String,
    /// Sandbox hello-world latency at concurrency 1.
    pub sandbox_latency: Latency,
    /// Naive spawn latency at concurrency 1.
    pub floor_latency: Latency,
    /// All throughput rows.
    pub throughput: Vec<Throughput>,
}

#[derive(Clone)]
enum Engine {
    Sandbox(Sandbox),
    Floor(PathBuf),
}

impl Engine {
    fn name(&self) -> &'static str {
        match self {
            Engine::Sandbox(_) => "sandbox",
            Engine::Floor(_) => "floor",
        }
    }

    async fn run_once(&self, code: &str) -> Result<(), SandboxError> {
        match self {
            Engine::Sandbox(sandbox) => {
                let result = sandbox.execute(code, Duration::from_secs(10)).await;
                if result.success {
                    Ok(())
                } else {
                    Err(SandboxError::Probe(result.error.unwrap_or_default()))
                }
            }
            Engine::Floor(python) => {
                let status = Command::new(python)
                    .args(["-I", "-S", "-c", code])
                    .env_clear()
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .await
                    .map_err(|e| SandboxError::io("spawn python", e))?;
                if status.success() {
                    Ok(())
                } else {
                    Err(SandboxError::Probe(format!("python exited with {status}")))
                }
            }
        }
    }
}

/// Runs the whole benchmark. The floor runs a third as many executions (it is slower).
pub async fn run(sandbox: &Sandbox, options: &BenchOptions) -> Result<BenchReport, SandboxError> {
    let sandbox_engine = Engine::Sandbox(sandbox.clone());
    let floor_engine = Engine::Floor(options.python.clone());
    for _ in 0..20 {
        sandbox_engine.run_once(HELLO).await?;
    }
    let sandbox_latency = latency(&sandbox_engine, options.latency_runs).await?;
    let floor_latency = latency(&floor_engine, options.latency_runs / 3).await?;
    let mut throughput = Vec::new();
    for (workload, code, runs) in [
        ("hello", HELLO, options.hello_runs),
        ("fib(20)", FIB, options.fib_runs),
    ] {
        for &concurrency in &options.concurrency {
            for (engine, runs) in [(&sandbox_engine, runs), (&floor_engine, runs / 3)] {
                let per_second = rate(engine, code, runs.max(concurrency), concurrency).await?;
                throughput.push(Throughput {
                    engine: engine.name(),
                    workload,
                    concurrency,
                    per_second,
                });
            }
        }
    }
    Ok(BenchReport {
        layers: sandbox.layers().to_string(),
        sandbox_latency,
        floor_latency,
        throughput,
    })
}

async fn latency(engine: &Engine, runs: usize) -> Result<Latency, SandboxError> {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        engine.run_once(HELLO).await?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Ok(Latency {
        p50_ms: at(0.50),
        p99_ms: at(0.99),
    })
}

/// Executions per second with `concurrency` workers sharing `runs` executions.
async fn rate(
    engine: &Engine,
    code: &'static str,
    runs: usize,
    concurrency: usize,
) -> Result<f64, SandboxError> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = JoinSet::new();
    for _ in 0..concurrency {
        let (engine, next) = (engine.clone(), Arc::clone(&next));
        workers.spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < runs {
                engine.run_once(code).await?;
            }
            Ok::<(), SandboxError>(())
        });
    }
    while let Some(joined) = workers.join_next().await {
        joined.map_err(|_| SandboxError::Probe("a benchmark worker panicked".into()))??;
    }
    Ok(runs as f64 / started.elapsed().as_secs_f64())
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "layers: {}", self.layers)?;
        writeln!(
            f,
            "hello-world latency, concurrency 1: sandbox p50 {:.2} ms, p99 {:.2} ms | floor p50 {:.2} ms, p99 {:.2} ms",
            self.sandbox_latency.p50_ms, self.sandbox_latency.p99_ms, self.floor_latency.p50_ms, self.floor_latency.p99_ms
        )?;
        writeln!(
            f,
            "{:<10} {:<8} {:>11} {:>12}",
            "workload", "engine", "concurrency", "exec/s"
        )?;
        for row in &self.throughput {
            writeln!(
                f,
                "{:<10} {:<8} {:>11} {:>12.1}",
                row.workload, row.engine, row.concurrency, row.per_second
            )?;
        }
        Ok(())
    }
}
