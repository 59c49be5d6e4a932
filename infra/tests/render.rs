//! Rendering: deterministic bytes, committed snapshots of dev and prod, valid JSON/YAML, and
//! every `${...}` in the rendered text resolving to a declared name.

mod common;

use std::path::PathBuf;

use code_remote_infra::render::{render, Format};
use code_remote_infra::stack;

fn snapshot_path(stack: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("snapshots/{stack}.yaml"))
}

fn assert_snapshot(stack: &str) {
    let (_, program) = common::program(stack);
    let rendered = render(&program, Format::Yaml).unwrap();
    let path = snapshot_path(stack);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &rendered).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != rendered {
        let first = committed
            .lines()
            .zip(rendered.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| "at the end".to_owned(), |i| format!("at line {}", i + 1));
        panic!(
            "the rendered {stack} program differs from {} ({first}).\n\
             Review the change, then run:\n  \
             UPDATE_SNAPSHOTS=1 cargo nextest run -p code-remote-infra --test render\n\
             and commit the snapshot.",
            path.display()
        );
    }
}

#[test]
fn dev_matches_its_snapshot() {
    assert_snapshot("dev");
}

#[test]
fn prod_matches_its_snapshot() {
    assert_snapshot("prod");
}

#[test]
fn two_renders_are_byte_identical() {
    for stack in ["dev", "prod"] {
        let config = common::config(stack);
        for format in [Format::Yaml, Format::Json] {
            let a = render(&stack::build(&config, common::RELEASE).unwrap(), format).unwrap();
            let b = render(&stack::build(&config, common::RELEASE).unwrap(), format).unwrap();
            assert_eq!(a, b, "{stack} {format:?}");
        }
    }
}

#[test]
fn yaml_and_json_describe_the_same_document() {
    let (_, program) = common::program("prod");
    let yaml: serde_json::Value =
        serde_yaml_ng::from_str(&render(&program, Format::Yaml).unwrap()).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&render(&program, Format::Json).unwrap()).unwrap();
    assert_eq!(yaml, json);
    assert!(json["resources"]["vpc"]["type"] == "aws:ec2/vpc:Vpc");
}

fn interpolations(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        if start > 0 && rest.as_bytes()[start - 1] == b'$' {
            rest = &rest[start + 2..];
            continue;
        }
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        found.push(rest[start + 2..start + end].to_owned());
        rest = &rest[start + end..];
    }
    found
}

#[test]
fn every_rendered_interpolation_names_a_declared_resource_or_variable() {
    for stack in ["dev", "prod"] {
        let (_, program) = common::program(stack);
        let text = render(&program, Format::Yaml).unwrap();
        let refs = interpolations(&text);
        assert!(refs.len() > 200, "{stack}: {}", refs.len());
        for r in refs {
            let root: String = r
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            assert!(
                program.resources.contains_key(&root) || program.variables.contains_key(&root),
                "{stack}: ${{{r}}} names nothing declared"
            );
        }
    }
}

#[test]
fn lambda_code_is_the_release_zip_in_both_stacks() {
    for stack in ["dev", "prod"] {
        let config = common::config(stack);
        let program = stack::build(&config, "v1.2.3").unwrap();
        for id in ["api", "ws", "worker", "syncWorker", "migrate"] {
            // Uploaded through the artifacts bucket (no 50 MB direct-upload limit).
            let function = &program.resources[id];
            assert!(function.get("code").is_none(), "{stack}/{id}");
            let key = format!("{:?}", function.get("s3Key").unwrap());
            assert!(key.contains(&format!("{id}Code")), "{key}");
            let object = &program.resources[&format!("{id}Code")];
            assert!(format!("{:?}", object.get("bucket").unwrap()).contains("artifactsBucket"));
            let source = object.get("source").unwrap();
            let path = match source {
                code_remote_infra::model::Value::FileAsset(p) => p.clone(),
                other => panic!("{stack}/{id}: {other:?}"),
            };
            assert!(
                path.starts_with("../target/release-artifacts/v1.2.3/"),
                "{path}"
            );
            assert!(path.ends_with(".zip"), "{path}");
        }
    }
}

#[test]
fn pulumi_preview_when_the_cli_is_present() {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join("pulumi").is_file()));
    if !found {
        println!(
            "SKIPPED: pulumi CLI not on PATH; `pulumi preview` of the rendered program was not run"
        );
        return;
    }
    println!("pulumi found: run `pulumi preview --stack dev` in infra/ with AWS credentials (see infra/README.md)");
}
