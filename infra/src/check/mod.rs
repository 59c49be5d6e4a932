//! Offline checks of a built program: conformance to the pinned `@pulumi/aws` schema
//! ([`schema`]) and the policy rules of docs/infra.md ([`policy`], [`boundary`]).

pub mod boundary;
pub mod policy;
pub mod schema;

use std::fmt;

use crate::config::StackConfig;
use crate::error::InfraError;
use crate::model::Program;
use crate::schema::SchemaIndex;

/// One violation, located by its path in the rendered program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The check that failed, e.g. `schema` or `queues-have-dlq`.
    pub check: &'static str,
    /// Where: `resources.<name>.properties.<key>...`.
    pub path: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}: {}", self.check, self.path, self.message)
    }
}

/// The result of every check on one program.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Names of the checks that ran.
    pub checks: Vec<&'static str>,
    /// Resources inspected.
    pub resources: usize,
    /// Every violation.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether the program passed.
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} resources, {} checks",
            self.resources,
            self.checks.len()
        )?;
        for check in &self.checks {
            let failed = self.findings.iter().filter(|x| x.check == *check).count();
            let status = if failed == 0 {
                "ok".to_owned()
            } else {
                format!("FAILED ({failed})")
            };
            writeln!(f, "  {check:<32} {status}")?;
        }
        for finding in &self.findings {
            writeln!(f, "{finding}")?;
        }
        Ok(())
    }
}

/// What the checks know of where a program is deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The stack (`prod` is held to deletion protection).
    pub stack: String,
    /// The AWS region (`aws:region`).
    pub region: String,
}

impl Target {
    /// Where a stack with `config` is deployed.
    pub fn of(config: &StackConfig) -> Self {
        Self {
            stack: config.stack.clone(),
            region: config.region.clone(),
        }
    }
}

/// Runs the schema check and every policy check on a stack's program.
pub fn run(program: &Program, config: &StackConfig) -> Result<Report, InfraError> {
    run_for(program, &Target::of(config))
}

/// Runs the schema check and every policy check on any program rendered by this crate (the
/// stacks' and the account bootstrap's).
pub fn run_for(program: &Program, target: &Target) -> Result<Report, InfraError> {
    let index = SchemaIndex::embedded()?;
    let mut report = Report {
        checks: vec!["schema"],
        resources: program.resources.len(),
        findings: schema::check(program, index),
    };
    for (name, check) in policy::ALL {
        report.checks.push(name);
        report.findings.extend(check(program, target));
    }
    report.checks.push("tags");
    report.findings.extend(policy::tags(program, index));
    Ok(report)
}
