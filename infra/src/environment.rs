//! The environment each function gets, read back from a rendered program (the JSON form of what
//! Pulumi runs), with its `${resource.output}` references resolved by the caller: plausible
//! values in the contract tests, the moto and PostgreSQL equivalents in `deploy rehearse`.

use std::collections::BTreeMap;

use std::path::Path;

use code_remote_config::contract::lambda_python;
use code_remote_config::Function;
use serde_json::Value;

/// One `${...}` reference of a rendered value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The resource's logical name (or a variable's name).
    pub resource: String,
    /// The resource's type token, when the reference names a resource.
    pub resource_type: Option<String>,
    /// The output path below the resource: `url`, `masterUserSecrets[0].secretArn`.
    pub path: String,
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "${{{}.{}}}", self.resource, self.path)
    }
}

/// A rendered environment that does not read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvironmentError {
    /// The program has no Lambda function of that logical name.
    #[error("the program declares no function {0} (logical name {1})")]
    MissingFunction(Function, &'static str),
    /// A value is not a string (Lambda environment values must be strings).
    #[error("{function}: {variable} is not a string in the rendered program")]
    NotAString {
        /// The function.
        function: Function,
        /// The variable.
        variable: String,
    },
    /// A reference is malformed or the resolver has no value for it.
    #[error("{function}: {variable} refers to {reference}, which {reason}")]
    Unresolved {
        /// The function.
        function: Function,
        /// The variable.
        variable: String,
        /// The reference text.
        reference: String,
        /// Why it could not be resolved.
        reason: &'static str,
    },
}

/// The stack-set environment of every function in `program` (the JSON render), resolved with
/// `outputs`, keyed by function.
pub fn resolve_all(
    program: &Value,
    outputs: impl Fn(&Reference) -> Option<String>,
) -> Result<BTreeMap<Function, BTreeMap<String, String>>, EnvironmentError> {
    let mut all = BTreeMap::new();
    for function in Function::ALL {
        all.insert(function, resolve(program, function, &outputs)?);
    }
    Ok(all)
}

/// The stack-set environment of `function` in `program`, resolved with `outputs`.
pub fn resolve(
    program: &Value,
    function: Function,
    outputs: impl Fn(&Reference) -> Option<String>,
) -> Result<BTreeMap<String, String>, EnvironmentError> {
    let resources = &program["resources"];
    let logical = function.output_key();
    let resource = &resources[logical];
    if resource["type"] != "aws:lambda/function:Function" {
        return Err(EnvironmentError::MissingFunction(function, logical));
    }
    let mut env = BTreeMap::new();
    let variables = resource["properties"]["environment"]["variables"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (variable, value) in variables {
        let Some(text) = value.as_str() else {
            return Err(EnvironmentError::NotAString { function, variable });
        };
        let unresolved = |reference: &str, reason| EnvironmentError::Unresolved {
            function,
            variable: variable.clone(),
            reference: reference.to_owned(),
            reason,
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let tail = &rest[at..];
            if let Some(after) = tail.strip_prefix("$$") {
                out.push('$');
                rest = after;
            } else if let Some(body) = tail.strip_prefix("${") {
                let end = body
                    .find('}')
                    .ok_or_else(|| unresolved(tail, "is not closed"))?;
                let expression = &body[..end];
                let reference = parse(expression, resources)
                    .ok_or_else(|| unresolved(expression, "is not resource.output"))?;
                let resolved = outputs(&reference)
                    .ok_or_else(|| unresolved(expression, "has no value here"))?;
                out.push_str(&resolved);
                rest = &body[end + 1..];
            } else {
                out.push('$');
                rest = &tail[1..];
            }
        }
        out.push_str(rest);
        env.insert(variable, out);
    }
    Ok(env)
}

/// Maps the paths of Lambda's execution environment in `env` onto this machine: the managed
/// runtime's interpreter onto `python`, the unpacked zip (`/var/task/...`) into `task_root`, the
/// unpacked layers (`/opt/...`) into `layers_root`.
pub fn map_lambda_paths(
    env: &mut BTreeMap<String, String>,
    python: &Path,
    task_root: &Path,
    layers_root: &Path,
) {
    let under = |value: &str, root: &str| {
        value
            .strip_prefix(root)
            .and_then(|rest| rest.strip_prefix('/'))
            .map(str::to_owned)
    };
    for value in env.values_mut() {
        if value == lambda_python::INTERPRETER {
            *value = python.display().to_string();
        } else if let Some(rest) = under(value, lambda_python::TASK_ROOT) {
            *value = task_root.join(rest).display().to_string();
        } else if let Some(rest) = under(value, LAYERS_ROOT) {
            *value = layers_root.join(rest).display().to_string();
        }
    }
}

/// Where Lambda unpacks a function's layers.
pub const LAYERS_ROOT: &str = "/opt";

fn parse(expression: &str, resources: &Value) -> Option<Reference> {
    let split = expression.find(['.', '['])?;
    let resource = &expression[..split];
    let path = expression[split..].trim_start_matches('.');
    if resource.is_empty() || path.is_empty() {
        return None;
    }
    Some(Reference {
        resource: resource.to_owned(),
        resource_type: resources[resource]["type"].as_str().map(str::to_owned),
        path: path.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn program(variables: Value) -> Value {
        json!({"resources": {
            "queue": {"type": "aws:sqs/queue:Queue", "properties": {}},
            "migrate": {"type": "aws:lambda/function:Function",
                "properties": {"environment": {"variables": variables}}},
        }})
    }

    #[test]
    fn references_are_resolved_by_type_and_path_and_escapes_kept() {
        let program = program(json!({
            "A": "https://${queue.url}/x",
            "B": "cost: $$5",
            "C": "${queue.attrs[0].name}",
        }));
        let env = resolve(&program, Function::Migrate, |reference| {
            assert_eq!(
                reference.resource_type.as_deref(),
                Some("aws:sqs/queue:Queue")
            );
            Some(format!("<{}>", reference.path))
        })
        .unwrap();
        assert_eq!(env["A"], "https://<url>/x");
        assert_eq!(env["B"], "cost: $5");
        assert_eq!(env["C"], "<attrs[0].name>");
    }

    #[test]
    fn lambda_paths_map_onto_the_host() {
        let mut env: BTreeMap<String, String> = [
            ("A", lambda_python::INTERPRETER),
            ("B", lambda_python::EXEC_WRAPPER),
            ("C", "/var/taskforce"),
            ("D", "/opt/all-MiniLM-L6-v2"),
            ("E", "/optional"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        map_lambda_paths(
            &mut env,
            Path::new("/usr/bin/python3"),
            Path::new("/tmp/zip"),
            Path::new("/tmp/layers"),
        );
        assert_eq!(env["D"], "/tmp/layers/all-MiniLM-L6-v2");
        assert_eq!(env["E"], "/optional");
        assert_eq!(env["A"], "/usr/bin/python3");
        assert_eq!(env["B"], "/tmp/zip/exec-wrapper");
        assert_eq!(env["C"], "/var/taskforce");
    }

    #[test]
    fn unresolvable_and_malformed_references_name_the_variable() {
        let err = resolve(
            &program(json!({"A": "${queue.url}"})),
            Function::Migrate,
            |_| None,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("migrate: A refers to queue.url"),
            "{err}"
        );
        let err = resolve(&program(json!({"A": "${queue"})), Function::Migrate, |_| {
            None
        })
        .unwrap_err();
        assert!(err.to_string().contains("not closed"), "{err}");
        let err = resolve(&program(json!({"A": 5})), Function::Migrate, |_| None).unwrap_err();
        assert!(matches!(err, EnvironmentError::NotAString { .. }));
        let err = resolve(&program(json!({})), Function::Api, |_| None).unwrap_err();
        assert_eq!(err, EnvironmentError::MissingFunction(Function::Api, "api"));
    }
}
