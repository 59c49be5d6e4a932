//! `stack-bench [runs]`: how long `deploy up --stack local --detach` takes to return a healthy,
//! seeded stack with warm binaries, over `runs` runs (default 5): each time, then the median.
//!
//! It runs the `deploy` built next to it, in a private stacks directory, and stops each stack
//! with `deploy down` (not timed) before the next run.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Instant;

use anyhow::{bail, Context};

fn main() -> anyhow::Result<()> {
    let runs: usize = match std::env::args().nth(1) {
        Some(value) => value
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .with_context(|| format!("runs must be a positive number, got {value:?}"))?,
        None => 5,
    };
    let exe = std::env::current_exe().context("finding stack-bench's own path")?;
    let deploy = exe
        .parent()
        .map(|dir| dir.join("deploy"))
        .filter(|path| path.is_file())
        .context("deploy is not built next to stack-bench: `cargo build -p code-remote-deploy --bin deploy`")?;
    let stacks =
        std::env::temp_dir().join(format!("code-remote-stack-bench-{}", std::process::id()));
    let mut seconds = Vec::with_capacity(runs);
    for run in 1..=runs {
        let name = format!("bench-{run}");
        let started = Instant::now();
        let up = run_deploy(
            &deploy,
            &stacks,
            &["up", "--stack", "local", "--name", &name, "--detach"],
        )?;
        let elapsed = started.elapsed().as_secs_f64();
        check("deploy up --detach", &up)?;
        check(
            "deploy down",
            &run_deploy(
                &deploy,
                &stacks,
                &["down", "--stack", "local", "--name", &name],
            )?,
        )?;
        println!("run {run}: {elapsed:.2} s");
        seconds.push(elapsed);
    }
    let _ = std::fs::remove_dir_all(&stacks);
    seconds.sort_by(f64::total_cmp);
    let median = seconds[seconds.len() / 2];
    println!(
        "deploy up --stack local --detach to healthy: median {median:.2} s over {runs} runs (target < 3 s)"
    );
    Ok(())
}

fn run_deploy(deploy: &Path, stacks: &Path, args: &[&str]) -> anyhow::Result<Output> {
    Command::new(deploy)
        .args(args)
        .env("CODE_REMOTE_STACKS_DIR", stacks)
        .output()
        .with_context(|| format!("running {} {}", deploy.display(), args.join(" ")))
}

fn check(what: &str, output: &Output) -> anyhow::Result<()> {
    if !output.status.success() {
        bail!(
            "{what} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}
