//! Timing of `infra render`, printed by `infra bench`: the median of building and rendering a
//! stack, next to the median of rendering alone (the serialisation baseline).

use std::time::{Duration, Instant};

use crate::config::StackConfig;
use crate::error::InfraError;
use crate::render::{render, Format};
use crate::stack;

/// Medians of one benchmark run.
#[derive(Debug, Clone, Copy)]
pub struct BenchResult {
    /// Runs per measurement.
    pub runs: usize,
    /// Build the program and render it (what `infra render` does after reading the stack file).
    pub build_and_render: Duration,
    /// Render an already built program (serialisation alone).
    pub render_only: Duration,
    /// Size of the rendered YAML in bytes.
    pub bytes: usize,
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

/// Measures `runs` builds and renders of `config`.
pub fn run(config: &StackConfig, release: &str, runs: usize) -> Result<BenchResult, InfraError> {
    let runs = runs.max(1);
    let mut full = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let program = stack::build(config, release)?;
        bytes = render(&program, Format::Yaml)?.len();
        full.push(start.elapsed());
    }
    let program = stack::build(config, release)?;
    let mut only = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        render(&program, Format::Yaml)?;
        only.push(start.elapsed());
    }
    Ok(BenchResult {
        runs,
        build_and_render: median(full),
        render_only: median(only),
        bytes,
    })
}
