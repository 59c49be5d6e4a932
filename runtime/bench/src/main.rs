//! `runtime-bench`: throughput and latency of the runtime on a local stack (real PostgreSQL, moto's
//! Cognito, the sandbox), with the load generator in the same process on loopback, and the cold
//! start of the `api` binary (exec to first 200). The queue path is measured once per queue
//! engine (docs/queues.md): PostgreSQL, then moto's SQS. Prints the original system's figures and
//! the targets beside.
//!
//! Run: `cargo build --release -p code-remote-api -p code-remote-bench && target/release/runtime-bench`.

use anyhow::{bail, Context};
use code_remote_testkit::{QueueEngine, Stack};
use futures_util::future::join_all;
use serde_json::json;
use std::future::Future;
use std::time::{Duration, Instant};

const CONCURRENCY: usize = 50;
const DURATION: Duration = Duration::from_secs(5);
const E2E_CLIENTS: usize = 50;
const E2E_JOBS: usize = 20;
const COLD_STARTS: usize = 5;
const ONE_CLIENT_JOBS: usize = 200;

struct Figures {
    done: usize,
    failed: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Figures {
    fn from(mut latencies: Vec<Duration>, failed: usize, elapsed: Duration) -> Self {
        latencies.sort();
        Self {
            done: latencies.len(),
            failed,
            elapsed,
            latencies,
        }
    }

    fn rate(&self) -> f64 {
        self.done as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index].as_secs_f64() * 1000.0
    }

    fn print(&self, name: &str, unit: &str, original: &str) {
        println!(
            "{name:<28} {:>9.0} {unit}/s  p50 {:>7.2} ms  p99 {:>7.2} ms  ({} ok, {} failed)   original: {original}",
            self.rate(),
            self.percentile(0.5),
            self.percentile(0.99),
            self.done,
            self.failed
        );
    }
}

/// Runs `request` from `concurrency` tasks for `DURATION`.
async fn load<F, Fut>(concurrency: usize, request: F) -> Figures
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    let started = Instant::now();
    let deadline = started + DURATION;
    let tasks = (0..concurrency).map(|_| {
        let request = request.clone();
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failed = 0;
            while Instant::now() < deadline {
                let at = Instant::now();
                if request().await {
                    latencies.push(at.elapsed());
                } else {
                    failed += 1;
                }
            }
            (latencies, failed)
        })
    });
    let mut latencies = Vec::new();
    let mut failed = 0;
    for (task_latencies, task_failed) in join_all(tasks).await.into_iter().flatten() {
        latencies.extend(task_latencies);
        failed += task_failed;
    }
    Figures::from(latencies, failed, started.elapsed())
}

async fn end_to_end(stack: &Stack) -> anyhow::Result<Figures> {
    let mut clients = Vec::new();
    for _ in 0..E2E_CLIENTS {
        let token = stack.token().await;
        let client = stack.connect(&token).await;
        clients.push((token, client));
    }
    let http = reqwest::Client::new();
    let started = Instant::now();
    let runs = clients.into_iter().map(|(token, mut client)| {
        let http = http.clone();
        let url = format!("{}/execute/async", stack.api_url);
        async move {
            let mut latencies = Vec::new();
            for n in 0..E2E_JOBS {
                let at = Instant::now();
                let body = json!({"code": format!("print({n} * 2)"), "connection_id": client.connection_id});
                let sent = http.post(&url).bearer_auth(&token).json(&body).send().await;
                if !sent.is_ok_and(|r| r.status().is_success()) {
                    continue;
                }
                let frame = client.next().await;
                if frame["type"] == "execution_result" {
                    latencies.push(at.elapsed());
                }
            }
            latencies
        }
    });
    let latencies: Vec<Duration> = join_all(runs).await.into_iter().flatten().collect();
    let failed = E2E_CLIENTS * E2E_JOBS - latencies.len();
    Ok(Figures::from(latencies, failed, started.elapsed()))
}

async fn cold_start(stack: &Stack) -> anyhow::Result<Vec<Duration>> {
    let api = std::env::current_exe()?
        .parent()
        .context("the bench binary has no directory")?
        .join("api");
    if !api.is_file() {
        bail!("{} not found: build it with the same profile (cargo build --release -p code-remote-api)", api.display());
    }
    let http = reqwest::Client::new();
    let mut times = Vec::new();
    for _ in 0..COLD_STARTS {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let url = format!("http://127.0.0.1:{port}/health");
        let started = Instant::now();
        let mut child = tokio::process::Command::new(&api)
            .envs(stack.process_env())
            .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "error")
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", api.display()))?;
        loop {
            if http
                .get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                break;
            }
            if started.elapsed() > Duration::from_secs(10) {
                bail!("the api did not answer within 10 s");
            }
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
        times.push(started.elapsed());
        child.kill().await?;
    }
    times.sort();
    Ok(times)
}

/// One client, one job at a time: POST to its `execution_result` frame.
async fn one_client(stack: &Stack) -> Figures {
    let token = stack.token().await;
    let mut client = stack.connect(&token).await;
    let http = reqwest::Client::new();
    let url = format!("{}/execute/async", stack.api_url);
    let mut latencies = Vec::new();
    let started = Instant::now();
    for n in 0..ONE_CLIENT_JOBS {
        let at = Instant::now();
        let body = json!({"code": format!("print({n})"), "connection_id": client.connection_id});
        let sent = http.post(&url).bearer_auth(&token).json(&body).send().await;
        if !sent.is_ok_and(|r| r.status().is_success()) {
            continue;
        }
        if client.next().await["type"] == "execution_result" {
            latencies.push(at.elapsed());
        }
    }
    let failed = ONE_CLIENT_JOBS - latencies.len();
    Figures::from(latencies, failed, started.elapsed())
}

/// `POST /execute/async` from 50 connections of 50 users, while the worker drains the queue.
/// Every answer counts (200 queued, or 429 once a user holds their share of pending jobs: the
/// same admission statement, without the send); returns the figures and how many were queued.
async fn enqueue(stack: &Stack, http: &reqwest::Client) -> (Figures, usize) {
    let mut users = Vec::new();
    for _ in 0..CONCURRENCY {
        let token = stack.token().await;
        let client = stack.connect(&token).await;
        users.push((token, client));
    }
    let url = format!("{}/execute/async", stack.api_url);
    let started = Instant::now();
    let deadline = started + DURATION;
    let tasks = users.into_iter().map(|(token, client)| {
        let (http, url) = (http.clone(), url.clone());
        tokio::spawn(async move {
            let body = json!({"code": "print(1)", "connection_id": client.connection_id});
            let (mut latencies, mut failed, mut queued) = (Vec::new(), 0, 0);
            while Instant::now() < deadline {
                let at = Instant::now();
                let answer = http.post(&url).bearer_auth(&token).json(&body).send().await;
                match answer.map(|r| r.status().as_u16()) {
                    Ok(status @ (200 | 429)) => {
                        latencies.push(at.elapsed());
                        queued += usize::from(status == 200);
                    }
                    _ => failed += 1,
                }
            }
            drop(client);
            (latencies, failed, queued)
        })
    });
    let (mut latencies, mut failed, mut queued) = (Vec::new(), 0, 0);
    for (task_latencies, task_failed, task_queued) in join_all(tasks).await.into_iter().flatten() {
        latencies.extend(task_latencies);
        failed += task_failed;
        queued += task_queued;
    }
    (Figures::from(latencies, failed, started.elapsed()), queued)
}

/// The queue path on one engine: one client, 50 clients x 20 jobs, and the enqueue rate.
async fn queue_path(engine: QueueEngine, http: &reqwest::Client) -> anyhow::Result<()> {
    let stack = Stack::start_on(engine).await;
    let _worker = stack.spawn_worker();
    let name = match engine {
        QueueEngine::Postgres => "postgres",
        QueueEngine::Sqs => "sqs (moto)",
    };
    println!("--- queue engine: {name} ---");
    one_client(&stack).await.print(
        "one client, 1 job at a time",
        "job",
        "p50 25 ms (target p50 <= 15 ms)",
    );
    end_to_end(&stack).await?.print(
        "end to end 50 users x 20",
        "job",
        "210 jobs/s (target >= 420 jobs/s)",
    );
    let (answered, queued) = enqueue(&stack, http).await;
    answered.print(
        "POST /execute/async c=50",
        "req",
        "1.59k req/s (target >= 3.2k req/s)",
    );
    println!(
        "{:<28} {:>9.0} queued/s; the rest answered 429 at the per-user share",
        "",
        queued as f64 / answered.elapsed.as_secs_f64()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let stack = Stack::start().await;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()?;
    let token = stack.token().await;
    for n in 0..20 {
        http.post(format!("{}/snippets", stack.api_url))
            .bearer_auth(&token)
            .json(&json!({"code": format!("x = {n}"), "title": format!("snippet {n}")}))
            .send()
            .await?
            .error_for_status()?;
    }
    println!(
        "runtime-bench: in-process API on {}, load generator in the same process, {} s per load",
        stack.api_url,
        DURATION.as_secs()
    );

    let health = format!("{}/health", stack.api_url);
    let client = http.clone();
    load(CONCURRENCY, move || {
        let (client, url) = (client.clone(), health.clone());
        async move {
            client
                .get(url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
    })
    .await
    .print("GET /health c=50", "req", "14.6k req/s (target 73k)");

    let snippets = format!("{}/snippets", stack.api_url);
    let (client, bearer) = (http.clone(), token.clone());
    load(CONCURRENCY, move || {
        let (client, url, bearer) = (client.clone(), snippets.clone(), bearer.clone());
        async move {
            client
                .get(url)
                .bearer_auth(bearer)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
    })
    .await
    .print("GET /snippets c=50", "req", "n/a");

    match cold_start(&stack).await {
        Ok(times) => println!(
            "{:<28} median {:.1} ms, min {:.1} ms over {} runs   original: about 3 s to import (target < 50 ms)",
            "api cold start (exec to 200)",
            times[times.len() / 2].as_secs_f64() * 1000.0,
            times[0].as_secs_f64() * 1000.0,
            times.len()
        ),
        Err(err) => println!("api cold start: skipped ({err})"),
    }
    drop(stack);
    for engine in [QueueEngine::Postgres, QueueEngine::Sqs] {
        queue_path(engine, &http).await?;
    }
    Ok(())
}
