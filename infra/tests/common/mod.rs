//! Helpers shared by the integration tests: the committed stacks, built for a fixed release.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use code_remote_infra::model::Value;
use code_remote_infra::{stack, Program, StackConfig};

/// The release the snapshots are rendered for (the CLI's default).
pub const RELEASE: &str = "current";

/// The repository's `stacks/` directory.
pub fn stacks_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../stacks")
}

/// The validated settings of a committed stack.
pub fn config(stack: &str) -> StackConfig {
    StackConfig::load(&stacks_dir(), stack).expect("committed stack settings are valid")
}

/// The program of a committed stack.
pub fn program(stack: &str) -> (StackConfig, Program) {
    let config = config(stack);
    let program = stack::build(&config, RELEASE).expect("the stack builds");
    (config, program)
}

/// Every committed stack name (one per `stacks/*.yaml` with Pulumi `config:`).
pub fn stack_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(stacks_dir())
        .expect("stacks/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .filter(|p| {
            std::fs::read_to_string(p)
                .map(|t| t.contains("code-remote:vpcCidr"))
                .unwrap_or(false)
        })
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

/// Replaces the string `from` wherever it stands in `value`.
pub fn replace(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::Str(text) if text == from => *text = to.to_owned(),
        Value::List(items) | Value::Concat(items) => {
            items.iter_mut().for_each(|item| replace(item, from, to))
        }
        Value::Map(entries) => entries
            .values_mut()
            .for_each(|item| replace(item, from, to)),
        Value::ToJson(inner) | Value::Secret(inner) => replace(inner, from, to),
        _ => {}
    }
}
