//! Rendering a [`Program`] as Pulumi YAML (or the equivalent JSON).
//!
//! References become `${...}` text only here, so the rest of the crate never pastes strings.
//! Maps are sorted and the section order is fixed, so the same program always gives the same
//! bytes.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value as Json;

use crate::error::InfraError;
use crate::model::{ConfigType, PathSeg, Program, Ref, RefRoot, Resource, Value};

/// The output formats of `infra render`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Pulumi YAML, what `Pulumi.yaml`'s compiler option expects.
    Yaml,
    /// The same document as JSON (Pulumi's YAML host reads JSON too).
    Json,
}

#[derive(Serialize)]
struct Document {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    config: BTreeMap<String, Json>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    variables: BTreeMap<String, Json>,
    resources: BTreeMap<String, RenderedResource>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    outputs: BTreeMap<String, Json>,
}

#[derive(Serialize)]
struct RenderedResource {
    #[serde(rename = "type")]
    type_token: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    properties: BTreeMap<String, Json>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    options: BTreeMap<String, Json>,
}

/// Renders the program in `format`; the result ends with a newline.
pub fn render(program: &Program, format: Format) -> Result<String, InfraError> {
    let document = to_document(program)?;
    match format {
        Format::Yaml => {
            serde_yaml_ng::to_string(&document).map_err(|e| InfraError::Render(e.to_string()))
        }
        Format::Json => serde_json::to_string_pretty(&document)
            .map(|mut s| {
                s.push('\n');
                s
            })
            .map_err(|e| InfraError::Render(e.to_string())),
    }
}

fn to_document(program: &Program) -> Result<Document, InfraError> {
    let mut config = BTreeMap::new();
    for (key, decl) in &program.config {
        let mut entry = serde_json::Map::new();
        let type_name = match decl.config_type {
            ConfigType::String => "string",
            ConfigType::Integer => "integer",
            ConfigType::Boolean => "boolean",
        };
        entry.insert("type".into(), Json::String(type_name.into()));
        if let Some(default) = &decl.default {
            entry.insert("default".into(), to_json(default)?);
        }
        config.insert(key.clone(), Json::Object(entry));
    }
    let variables = program
        .variables
        .iter()
        .map(|(k, v)| Ok((k.clone(), to_json(v)?)))
        .collect::<Result<_, InfraError>>()?;
    let resources = program
        .resources
        .iter()
        .map(|(k, r)| Ok((k.clone(), to_resource(r)?)))
        .collect::<Result<_, InfraError>>()?;
    let outputs = program
        .outputs
        .iter()
        .map(|(k, v)| Ok((k.clone(), to_json(v)?)))
        .collect::<Result<_, InfraError>>()?;
    Ok(Document {
        config,
        variables,
        resources,
        outputs,
    })
}

fn to_resource(resource: &Resource) -> Result<RenderedResource, InfraError> {
    let properties = resource
        .properties
        .iter()
        .map(|(k, v)| Ok((k.clone(), to_json(v)?)))
        .collect::<Result<_, InfraError>>()?;
    let mut options = BTreeMap::new();
    let opts = &resource.options;
    if !opts.depends_on.is_empty() {
        let deps = opts
            .depends_on
            .iter()
            .map(|d| Json::String(format!("${{{d}}}")))
            .collect();
        options.insert("dependsOn".to_owned(), Json::Array(deps));
    }
    if opts.protect {
        options.insert("protect".to_owned(), Json::Bool(true));
    }
    if opts.delete_before_replace {
        options.insert("deleteBeforeReplace".to_owned(), Json::Bool(true));
    }
    if !opts.ignore_changes.is_empty() {
        let names = opts
            .ignore_changes
            .iter()
            .map(|n| Json::String(n.clone()))
            .collect();
        options.insert("ignoreChanges".to_owned(), Json::Array(names));
    }
    if let Some(provider) = &opts.provider {
        options.insert(
            "provider".to_owned(),
            Json::String(format!("${{{provider}}}")),
        );
    }
    if uses_aws_plugin(&resource.type_token) {
        options.insert(
            "version".to_owned(),
            Json::String(AWS_PROVIDER_VERSION.to_owned()),
        );
    }
    Ok(RenderedResource {
        type_token: resource.type_token.clone(),
        properties,
        options,
    })
}

/// The `@pulumi/aws` version every resource and invoke is pinned to: the one the offline schema
/// checks were made against, so that `pulumi up` cannot pick up a newer plugin whose schema the
/// program was never checked with.
pub const AWS_PROVIDER_VERSION: &str = crate::schema::SCHEMA_VERSION;

fn uses_aws_plugin(token: &str) -> bool {
    token.starts_with("aws:") || token == "pulumi:providers:aws"
}

/// The `${...}` spelling of a reference.
pub fn reference_text(r: &Ref) -> String {
    let mut text = String::from("${");
    match &r.root {
        RefRoot::Resource(name) | RefRoot::Variable(name) | RefRoot::Config(name) => {
            text.push_str(name)
        }
        RefRoot::Builtin(name) => text.push_str(name),
    }
    for seg in &r.path {
        match seg {
            PathSeg::Field(f) => {
                text.push('.');
                text.push_str(f);
            }
            PathSeg::Index(i) => text.push_str(&format!("[{i}]")),
        }
    }
    text.push('}');
    text
}

/// Escapes a literal so that Pulumi YAML does not read `${` or `$$` in it as interpolation.
fn escape_literal(s: &str, out: &mut String) {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '$' && matches!(chars.peek(), Some('{') | Some('$')) {
            out.push('$');
        }
    }
}

/// Appends the interpolated text of `parts` (nested interpolations are flattened).
fn interpolate(parts: &[Value], out: &mut String) -> Result<(), InfraError> {
    for part in parts {
        match part {
            Value::Str(s) => escape_literal(s, out),
            Value::Ref(r) => out.push_str(&reference_text(r)),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Concat(inner) => interpolate(inner, out)?,
            other => {
                return Err(InfraError::Render(format!(
                "an interpolated string can hold only text, integers and references, not {other:?}"
            )))
            }
        }
    }
    Ok(())
}

fn single(key: &str, value: Json) -> Json {
    let mut m = serde_json::Map::new();
    m.insert(key.to_owned(), value);
    Json::Object(m)
}

fn to_json(value: &Value) -> Result<Json, InfraError> {
    Ok(match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .ok_or_else(|| InfraError::Render(format!("{f} is not a finite number")))?,
        Value::Str(s) => {
            let mut out = String::with_capacity(s.len());
            escape_literal(s, &mut out);
            Json::String(out)
        }
        Value::List(items) => Json::Array(items.iter().map(to_json).collect::<Result<_, _>>()?),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| Ok((k.clone(), to_json(v)?)))
                .collect::<Result<_, InfraError>>()?,
        ),
        Value::Ref(r) => Json::String(reference_text(r)),
        Value::Concat(parts) => {
            let mut out = String::new();
            interpolate(parts, &mut out)?;
            Json::String(out)
        }
        Value::Secret(inner) => single("fn::secret", to_json(inner)?),
        Value::Invoke(invoke) => {
            let mut body = serde_json::Map::new();
            body.insert("function".into(), Json::String(invoke.function.clone()));
            if !invoke.arguments.is_empty() {
                let args = invoke
                    .arguments
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), to_json(v)?)))
                    .collect::<Result<_, InfraError>>()?;
                body.insert("arguments".into(), Json::Object(args));
            }
            if let Some(ret) = &invoke.returns {
                body.insert("return".into(), Json::String(ret.clone()));
            }
            if uses_aws_plugin(&invoke.function) {
                body.insert(
                    "options".into(),
                    serde_json::json!({ "version": AWS_PROVIDER_VERSION }),
                );
            }
            single("fn::invoke", Json::Object(body))
        }
        Value::ToJson(inner) => single("fn::toJSON", to_json(inner)?),
        Value::FileArchive(path) => single("fn::fileArchive", Json::String(path.clone())),
        Value::FileAsset(path) => single("fn::fileAsset", Json::String(path.clone())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{concat, map, Invoke, Resource};

    #[test]
    fn literal_dollars_are_escaped_but_route_keys_are_kept() {
        let mut out = String::new();
        escape_literal("$connect ${x} $$", &mut out);
        assert_eq!(
            out, "$connect $${x} $$$",
            "a lone trailing `$` stays literal"
        );
    }

    #[test]
    fn builtins_render_as_pulumi_yaml_functions() {
        let mut program = Program::new("dev");
        let bucket = program
            .add(Resource::new("bucket", "aws:s3/bucket:Bucket"))
            .unwrap();
        program.variable(
            "zones",
            Value::Invoke(Invoke {
                function: "aws:index/getAvailabilityZones:getAvailabilityZones".into(),
                arguments: [("state".to_owned(), Value::from("available"))].into(),
                returns: Some("names".into()),
            }),
        );
        program.output("secret", Value::Secret(Box::new("s".into())));
        program.output(
            "doc",
            Value::ToJson(Box::new(map([("Resource", bucket.arn())]))),
        );
        program.output(
            "url",
            concat([
                Value::from("https://"),
                bucket.out("bucketDomainName").into(),
            ]),
        );
        program.output("code", Value::FileArchive("../a.zip".into()));
        let text = render(&program, Format::Yaml).unwrap();
        assert!(text.contains("fn::secret: s"), "{text}");
        assert!(text.contains("fn::toJSON:"), "{text}");
        assert!(text.contains("Resource: ${bucket.arn}"), "{text}");
        assert!(
            text.contains("https://${bucket.bucketDomainName}"),
            "{text}"
        );
        assert!(text.contains("fn::fileArchive: ../a.zip"), "{text}");
        assert!(
            text.contains("function: aws:index/getAvailabilityZones:getAvailabilityZones"),
            "{text}"
        );
        assert!(text.contains("return: names"), "{text}");
    }

    #[test]
    fn options_render_under_options() {
        let mut program = Program::new("dev");
        let provider = program
            .add(Resource::new("useast1", "pulumi:providers:aws").prop("region", "us-east-1"))
            .unwrap();
        let key = program
            .add(Resource::new("key", "aws:kms/key:Key"))
            .unwrap();
        program
            .add(
                Resource::new("alias", "aws:kms/alias:Alias")
                    .prop("targetKeyId", key.id())
                    .depends_on(&key)
                    .protect(true)
                    .ignore_changes("name")
                    .provider(&provider),
            )
            .unwrap();
        let json: Json = serde_json::from_str(&render(&program, Format::Json).unwrap()).unwrap();
        let options = &json["resources"]["alias"]["options"];
        assert_eq!(options["dependsOn"][0], "${key}");
        assert_eq!(options["protect"], true);
        assert_eq!(options["ignoreChanges"][0], "name");
        assert_eq!(options["provider"], "${useast1}");
    }
}
