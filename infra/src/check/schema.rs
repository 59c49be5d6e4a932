//! Schema conformance: every type exists in the index, every property is a known input, every
//! required input is set, every reference names a declared resource (or variable, or config
//! value) and a real output of its type, every invoke names a real function with known
//! arguments and result, and options name declared resources and real inputs.

use crate::check::Finding;
use crate::model::{Program, RefRoot, Value};
use crate::schema::SchemaIndex;

const CHECK: &str = "schema";

fn finding(path: String, message: String) -> Finding {
    Finding {
        check: CHECK,
        path,
        message,
    }
}

/// All schema findings of `program` against `index`.
pub fn check(program: &Program, index: &SchemaIndex) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (name, resource) in &program.resources {
        let base = format!("resources.{name}");
        let Some(schema) = index.resources.get(&resource.type_token) else {
            findings.push(finding(
                format!("{base}.type"),
                format!(
                    "`{}` is not a resource type of @pulumi/aws {}",
                    resource.type_token, index.version
                ),
            ));
            continue;
        };
        for key in resource.properties.keys() {
            if !schema.inputs.contains(key) {
                findings.push(finding(
                    format!("{base}.properties.{key}"),
                    format!("`{key}` is not an input of {}", resource.type_token),
                ));
            }
        }
        for required in &schema.required {
            if !resource.properties.contains_key(required) {
                findings.push(finding(
                    format!("{base}.properties.{required}"),
                    format!(
                        "required input `{required}` of {} is not set",
                        resource.type_token
                    ),
                ));
            }
        }
        for (key, value) in &resource.properties {
            check_value(
                program,
                index,
                &format!("{base}.properties.{key}"),
                value,
                &mut findings,
            );
        }
        let opts = &resource.options;
        for (i, dep) in opts.depends_on.iter().enumerate() {
            if !program.resources.contains_key(dep) {
                findings.push(finding(
                    format!("{base}.options.dependsOn[{i}]"),
                    format!("`{dep}` is not a declared resource"),
                ));
            }
        }
        for (i, prop) in opts.ignore_changes.iter().enumerate() {
            if !schema.inputs.contains(prop) {
                findings.push(finding(
                    format!("{base}.options.ignoreChanges[{i}]"),
                    format!("`{prop}` is not an input of {}", resource.type_token),
                ));
            }
        }
        if let Some(provider) = &opts.provider {
            let ok = program
                .resources
                .get(provider)
                .is_some_and(|p| p.type_token.starts_with("pulumi:providers:"));
            if !ok {
                findings.push(finding(
                    format!("{base}.options.provider"),
                    format!("`{provider}` is not a declared provider resource"),
                ));
            }
        }
    }
    for (name, value) in &program.variables {
        check_value(
            program,
            index,
            &format!("variables.{name}"),
            value,
            &mut findings,
        );
    }
    for (name, value) in &program.outputs {
        check_value(
            program,
            index,
            &format!("outputs.{name}"),
            value,
            &mut findings,
        );
    }
    findings
}

fn check_value(
    program: &Program,
    index: &SchemaIndex,
    at: &str,
    value: &Value,
    findings: &mut Vec<Finding>,
) {
    for (rel, r) in value.references() {
        let path = format!("{at}{rel}");
        match &r.root {
            RefRoot::Resource(target) => match program.resources.get(target) {
                None => findings.push(finding(
                    path,
                    format!("references undeclared resource `{target}`"),
                )),
                Some(resource) => {
                    let Some(schema) = index.resources.get(&resource.type_token) else {
                        continue;
                    };
                    match r.first_field() {
                        None => findings.push(finding(
                            path,
                            format!("reference to `{target}` reads no output"),
                        )),
                        Some(field) if !schema.outputs.contains(field) => findings.push(finding(
                            path,
                            format!(
                                "`{field}` is not an output of `{target}` ({})",
                                resource.type_token
                            ),
                        )),
                        Some(_) => {}
                    }
                }
            },
            RefRoot::Variable(name) if !program.variables.contains_key(name) => findings.push(
                finding(path, format!("references undeclared variable `{name}`")),
            ),
            RefRoot::Config(name) if !program.config.contains_key(name) => findings.push(finding(
                path,
                format!("references undeclared config `{name}`"),
            )),
            _ => {}
        }
    }
    check_invokes(index, at, value, findings);
}

fn check_invokes(index: &SchemaIndex, at: &str, value: &Value, findings: &mut Vec<Finding>) {
    match value {
        Value::Invoke(invoke) => {
            let path = format!("{at}.fn::invoke");
            let Some(schema) = index.functions.get(&invoke.function) else {
                findings.push(finding(
                    format!("{path}.function"),
                    format!(
                        "`{}` is not a function of @pulumi/aws {}",
                        invoke.function, index.version
                    ),
                ));
                return;
            };
            for key in invoke.arguments.keys() {
                if !schema.inputs.contains(key) {
                    findings.push(finding(
                        format!("{path}.arguments.{key}"),
                        format!("`{key}` is not an argument of {}", invoke.function),
                    ));
                }
            }
            for required in &schema.required {
                if !invoke.arguments.contains_key(required) {
                    findings.push(finding(
                        format!("{path}.arguments.{required}"),
                        format!(
                            "required argument `{required}` of {} is not set",
                            invoke.function
                        ),
                    ));
                }
            }
            if let Some(ret) = &invoke.returns {
                if !schema.outputs.contains(ret) {
                    findings.push(finding(
                        format!("{path}.return"),
                        format!("`{ret}` is not a result field of {}", invoke.function),
                    ));
                }
            }
            for (key, arg) in &invoke.arguments {
                check_invokes(index, &format!("{path}.arguments.{key}"), arg, findings);
            }
        }
        Value::List(items) | Value::Concat(items) => {
            for (i, item) in items.iter().enumerate() {
                check_invokes(index, &format!("{at}[{i}]"), item, findings);
            }
        }
        Value::Map(entries) => {
            for (key, item) in entries {
                check_invokes(index, &format!("{at}.{key}"), item, findings);
            }
        }
        Value::Secret(inner) => check_invokes(index, &format!("{at}.fn::secret"), inner, findings),
        Value::ToJson(inner) => check_invokes(index, &format!("{at}.fn::toJSON"), inner, findings),
        _ => {}
    }
}
