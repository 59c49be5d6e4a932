//! `deploy outputs --stack S [--json]` for cloud stacks (`local` is in `local.rs`).

use std::fmt;

use code_remote_pulumi::StackOutputs;
use code_remote_release::{ReleaseError, StackName};

use crate::cloud;
use crate::output::emit;

struct Shown(StackOutputs);

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = serde_json::to_value(&self.0).map_err(|_| fmt::Error)?;
        if let Some(map) = value.as_object() {
            for (key, value) in map {
                writeln!(
                    f,
                    "{key:28} {}",
                    value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_owned)
                )?;
            }
        }
        Ok(())
    }
}

impl serde::Serialize for Shown {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Prints a cloud stack's outputs.
pub async fn run(stack: &StackName, json: bool) -> anyhow::Result<()> {
    let root = cloud::repo_root()?;
    let pulumi = code_remote_pulumi::Pulumi::new(code_remote_pulumi::PulumiSettings {
        program_dir: root.join("infra"),
        config_file: cloud::settings_file(&root, stack)?,
        stack: stack.to_string(),
        release: "current".to_owned(),
        backend: cloud::variable("PULUMI_BACKEND_URL"),
        create: false,
        secrets_provider: None,
        env: Vec::new(),
    });
    pulumi.login_and_select().map_err(ReleaseError::from)?;
    emit(&Shown(pulumi.outputs().map_err(ReleaseError::from)?), json)
}
