//! `deploy rehearse`: the cloud path of a stack, rehearsed on this machine with real parts.
//!
//! The stack's program is rendered; what it declares that the functions touch is created in
//! moto and PostgreSQL ([`world`]); each function's environment is read back from the rendered
//! program with its references resolved to those equivalents and checked against the stack
//! contract; then every function's binary runs **in Lambda mode** under cargo-lambda's Runtime
//! API emulator with exactly that environment ([`lambda`]), and is invoked with the events AWS
//! would send ([`events`]): the migrate request, WebSocket routes, API Gateway HTTP requests with
//! the authorizer's claims, and SQS batches holding the messages the API really queued plus one
//! malformed record. docs/architecture.md ("Rehearsing a deploy") lists what stands for what.
#![deny(missing_docs)]

pub mod events;
pub mod lambda;
mod scenario;
pub mod world;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use code_remote_config::Function;
use serde::Serialize;

pub use scenario::rehearse;

/// Whether the application secrets hold values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Secrets {
    /// As a first deploy leaves them: created by Pulumi, no value.
    Empty,
    /// After `deploy secrets set`: the Gemini key holds a value. (The Neo4j secret stays empty:
    /// its value would point at a Bolt server, and none runs on this machine; issue 20.)
    Filled,
}

impl Secrets {
    /// `empty` or `filled`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::Filled => "filled",
        }
    }
}

/// What to rehearse, with what.
#[derive(Debug, Clone)]
pub struct Options {
    /// The stack (`dev`, `prod`): `stacks/<stack>.yaml`.
    pub stack: String,
    /// The directory holding the stack files.
    pub stacks_dir: PathBuf,
    /// The workspace root (the emulator reads its `Cargo.toml`).
    pub workspace: PathBuf,
    /// Where the functions' binaries are (a release or debug build of the workspace).
    pub bin_dir: PathBuf,
    /// The `cargo-lambda` executable.
    pub cargo_lambda: PathBuf,
    /// Empty or filled application secrets.
    pub secrets: Secrets,
    /// Variables taken out of a function's rendered environment before anything runs: what a
    /// broken stack would do, for proving that the rehearsal catches it.
    pub unset: Vec<(Function, String)>,
}

/// One checked step.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// The function it exercised, if one.
    pub function: Option<String>,
    /// What was done.
    pub name: String,
    /// Whether it went as the stack's contract says it must.
    pub ok: bool,
    /// What was seen.
    pub detail: String,
}

/// The outcome of a rehearsal.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The stack.
    pub stack: String,
    /// Empty or filled secrets.
    pub secrets: Secrets,
    /// Every step, in order.
    pub steps: Vec<Step>,
    /// Per function: milliseconds from process start to the end of its first invocation.
    pub first_invocation_ms: BTreeMap<String, u64>,
    /// Per function: milliseconds its `main` took before it was ready for invocations (its own
    /// log line), the function's share of a cold start.
    pub init_ms: BTreeMap<String, u64>,
    /// What this rehearsal could not exercise on this machine, said rather than skipped.
    pub not_rehearsed: Vec<String>,
    /// Milliseconds from start to end.
    pub wall_ms: u64,
}

impl Report {
    /// Whether every step went as expected.
    pub fn passed(&self) -> bool {
        self.steps.iter().all(|step| step.ok)
    }

    /// The steps that did not.
    pub fn failures(&self) -> Vec<&Step> {
        self.steps.iter().filter(|step| !step.ok).collect()
    }

    fn record(&mut self, function: Option<Function>, name: &str, ok: bool, detail: String) {
        self.steps.push(Step {
            function: function.map(|f| f.id().to_owned()),
            name: name.to_owned(),
            ok,
            detail,
        });
    }

    fn timed(&mut self, function: Function, elapsed: Option<Duration>) {
        if let Some(elapsed) = elapsed {
            self.first_invocation_ms.insert(
                function.id().to_owned(),
                u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            );
        }
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "rehearsal of stack {} with {} secrets",
            self.stack,
            self.secrets.as_str()
        )?;
        for step in &self.steps {
            let mark = if step.ok { "ok  " } else { "FAIL" };
            let function = step.function.as_deref().unwrap_or("-");
            writeln!(f, "  {mark} {function:<12} {}: {}", step.name, step.detail)?;
        }
        write!(f, "  first invocation (process start to answer):")?;
        for (function, ms) in &self.first_invocation_ms {
            write!(f, " {function} {ms} ms;")?;
        }
        writeln!(f)?;
        write!(f, "  init (main to ready for invocations):")?;
        for (function, ms) in &self.init_ms {
            write!(f, " {function} {ms} ms;")?;
        }
        writeln!(f)?;
        for note in &self.not_rehearsed {
            writeln!(f, "  not rehearsed: {note}")?;
        }
        let verdict = if self.passed() { "passed" } else { "FAILED" };
        write!(f, "rehearsal {verdict} in {} ms", self.wall_ms)
    }
}

/// A rehearsal that could not be set up (as opposed to one whose steps failed).
#[derive(Debug, thiserror::Error)]
pub enum RehearsalError {
    /// The stack could not be rendered.
    #[error("rendering the stack: {0}")]
    Render(#[from] code_remote_infra::InfraError),
    /// The rendered program lacks something the rehearsal needs.
    #[error("the rendered program: {0}")]
    Program(String),
    /// A part of the rehearsal could not be started or created.
    #[error("setting up the rehearsal: {0}")]
    Setup(String),
    /// A function's binary is not built.
    #[error("{binary} is not in {dir}: build it with `cargo build -p {package} --bin {binary}` (scripts/build-stack builds them all)")]
    BinaryMissing {
        /// The binary.
        binary: &'static str,
        /// Its package.
        package: &'static str,
        /// Where it was looked for.
        dir: PathBuf,
    },
}

impl RehearsalError {
    fn aws(operation: &str, err: impl std::error::Error) -> Self {
        Self::Setup(format!("{operation}: {err}"))
    }
}
