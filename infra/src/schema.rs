//! The index of the pinned `@pulumi/aws` package: resource and function tokens, inputs (with
//! the required ones) and outputs, extracted from the published npm package by
//! `infra/schema/refresh.sh` and embedded here, so the checks run offline.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::Deserialize;

use crate::error::InfraError;

/// The pinned `@pulumi/aws` version the index was extracted from.
pub const SCHEMA_VERSION: &str = "7.48.0";

const EMBEDDED: &str = include_str!("../schema/aws-7.48.0.json");

/// Inputs and outputs of one resource type or provider function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeSchema {
    /// Every input property (camelCase).
    pub inputs: BTreeSet<String>,
    /// The inputs that must be set.
    pub required: BTreeSet<String>,
    /// Properties readable through `${res.prop}`: outputs, inputs, `id` and `urn`.
    pub outputs: BTreeSet<String>,
}

/// The whole index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaIndex {
    /// The package version.
    pub version: String,
    /// Resource types by token.
    pub resources: BTreeMap<String, TypeSchema>,
    /// Provider functions (for `fn::invoke`) by token.
    pub functions: BTreeMap<String, TypeSchema>,
}

#[derive(Deserialize)]
struct RawEntry {
    #[serde(rename = "in")]
    inputs: Vec<String>,
    #[serde(rename = "out")]
    outputs: Vec<String>,
}

#[derive(Deserialize)]
struct RawIndex {
    version: String,
    resources: BTreeMap<String, RawEntry>,
    functions: BTreeMap<String, RawEntry>,
}

fn convert(raw: RawEntry, is_resource: bool) -> TypeSchema {
    let mut schema = TypeSchema::default();
    for input in raw.inputs {
        let name = match input.strip_prefix('!') {
            Some(name) => {
                schema.required.insert(name.to_owned());
                name.to_owned()
            }
            None => input,
        };
        schema.inputs.insert(name);
    }
    schema.outputs.extend(raw.outputs);
    if is_resource {
        schema.outputs.extend(schema.inputs.iter().cloned());
        schema.outputs.insert("id".to_owned());
        schema.outputs.insert("urn".to_owned());
    }
    schema
}

impl SchemaIndex {
    /// Parses an index in the format `extract.mjs` writes.
    pub fn parse(text: &str) -> Result<Self, InfraError> {
        let raw: RawIndex =
            serde_json::from_str(text).map_err(|e| InfraError::Schema(e.to_string()))?;
        Ok(SchemaIndex {
            version: raw.version,
            resources: raw
                .resources
                .into_iter()
                .map(|(k, v)| (k, convert(v, true)))
                .collect(),
            functions: raw
                .functions
                .into_iter()
                .map(|(k, v)| (k, convert(v, false)))
                .collect(),
        })
    }

    /// The embedded index of [`SCHEMA_VERSION`], parsed once per process.
    pub fn embedded() -> Result<&'static SchemaIndex, InfraError> {
        static INDEX: OnceLock<Result<SchemaIndex, String>> = OnceLock::new();
        INDEX
            .get_or_init(|| SchemaIndex::parse(EMBEDDED).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| InfraError::Schema(e.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_index_is_complete() {
        let index = SchemaIndex::embedded().unwrap();
        assert_eq!(index.version, SCHEMA_VERSION);
        assert!(index.resources.len() > 1500, "{}", index.resources.len());
        assert!(index.functions.len() > 500, "{}", index.functions.len());
        let vpc = &index.resources["aws:ec2/vpc:Vpc"];
        assert!(vpc.inputs.contains("cidrBlock"));
        assert!(vpc.outputs.contains("defaultSecurityGroupId"));
        let function = &index.resources["aws:lambda/function:Function"];
        assert!(function.required.contains("role"));
        assert!(index.resources.contains_key("pulumi:providers:aws"));
    }
}
