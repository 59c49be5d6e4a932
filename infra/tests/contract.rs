//! The stack contract against every committed stack: each function's rendered environment, with
//! its references given plausible AWS values, loads that function's settings (nothing required
//! is missing) and holds nothing the function does not read.

mod common;

use std::collections::BTreeMap;

use code_remote_config::contract::{verify, ContractError};
use code_remote_config::{vars, Function};
use code_remote_infra::environment::{map_lambda_paths, resolve_all, Reference};
use code_remote_infra::render::{render, Format};

/// What AWS would hand back for a reference, by resource type and output.
fn plausible(reference: &Reference) -> Option<String> {
    let name = &reference.resource;
    let value = match (reference.resource_type.as_deref()?, reference.path.as_str()) {
        ("aws:sqs/queue:Queue", "url") => {
            format!("https://sqs.eu-west-1.amazonaws.com/123456789012/{name}.fifo")
        }
        ("aws:secretsmanager/secret:Secret", "arn") => {
            format!("arn:aws:secretsmanager:eu-west-1:123456789012:secret:{name}-AbCdEf")
        }
        ("aws:rds/cluster:Cluster", "endpoint") => {
            format!("{name}.cluster-abc.eu-west-1.rds.amazonaws.com")
        }
        ("aws:rds/cluster:Cluster", "masterUserSecrets[0].secretArn") => {
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1".to_owned()
        }
        ("aws:cognito/userPool:UserPool", "id") => "eu-west-1_AbCdEf123".to_owned(),
        ("aws:cognito/userPoolClient:UserPoolClient", "id") => "client123".to_owned(),
        ("aws:apigatewayv2/api:Api", "id") => "abc123".to_owned(),
        _ => return None,
    };
    Some(value)
}

fn environments(stack: &str) -> BTreeMap<Function, BTreeMap<String, String>> {
    let (_, program) = common::program(stack);
    let json: serde_json::Value =
        serde_json::from_str(&render(&program, Format::Json).unwrap()).unwrap();
    let mut all = resolve_all(&json, plausible).unwrap_or_else(|err| panic!("{stack}: {err}"));
    // The settings check that SANDBOX_PYTHON names a file: this machine's interpreter stands
    // for the managed runtime's.
    let python = std::path::Path::new("/usr/bin/python3");
    for env in all.values_mut() {
        map_lambda_paths(
            env,
            python,
            std::path::Path::new("/var/task"),
            std::path::Path::new("/opt"),
        );
    }
    all
}

fn lambda() -> BTreeMap<String, String> {
    [
        (vars::AWS_LAMBDA_RUNTIME_API, "127.0.0.1:9001"),
        (vars::AWS_REGION, "eu-west-1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

#[test]
fn every_function_of_every_stack_starts_with_its_rendered_environment_and_reads_all_of_it() {
    for stack in common::stack_names() {
        for (function, env) in environments(&stack) {
            verify(function, &env, &lambda()).unwrap_or_else(|err| panic!("{stack}: {err}"));
        }
    }
}

#[test]
fn the_drift_that_once_broke_prod_stays_fixed() {
    let prod = environments("prod");
    for function in [Function::Api, Function::SyncWorker, Function::Migrate] {
        assert!(
            prod[&function].contains_key(vars::NEO4J_SECRET_ARN),
            "{function}"
        );
    }
    for function in [Function::Api, Function::Ws, Function::Worker] {
        assert!(
            prod[&function][vars::WEBSOCKET_MANAGEMENT_URL]
                .starts_with("https://abc123.execute-api.eu-west-1.amazonaws.com/"),
            "{function}"
        );
    }
    assert_eq!(
        prod[&Function::Api][vars::ANALYSIS_MODEL],
        "gemini-2.5-flash"
    );
    assert_eq!(
        prod[&Function::SyncWorker][vars::EMBEDDING_DIMENSIONS],
        "768"
    );
    let dev = environments("dev");
    assert!(!dev[&Function::Api].contains_key(vars::NEO4J_SECRET_ARN));
    let (_, program) = common::program("prod");
    let json: serde_json::Value =
        serde_json::from_str(&render(&program, Format::Json).unwrap()).unwrap();
    for function in [Function::Api, Function::Worker] {
        let rendered = &json["resources"][function.output_key()]["properties"];
        assert_eq!(rendered["runtime"], "python3.12");
        assert_eq!(
            rendered["environment"]["variables"][vars::SANDBOX_PYTHON],
            "/var/lang/bin/python3.12"
        );
    }
}

#[test]
fn a_broken_environment_is_refused_naming_the_function_and_variable() {
    let prod = environments("prod");
    let mut api = prod[&Function::Api].clone();
    api.remove(vars::COGNITO_CLIENT_ID);
    let err = verify(Function::Api, &api, &lambda()).unwrap_err();
    assert!(
        matches!(&err, ContractError::Config { function: Function::Api, source } if source.variable() == vars::COGNITO_CLIENT_ID),
        "{err}"
    );
    let mut sync = prod[&Function::SyncWorker].clone();
    sync.insert("EMBEDDING_DIMENSION".to_owned(), "768".to_owned());
    let err = verify(Function::SyncWorker, &sync, &lambda()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "sync-worker: EMBEDDING_DIMENSION set but nothing reads them"
    );
}
