//! The permissions boundary rules (docs/infra.md, "Account bootstrap"): every role a stack
//! declares carries the account's boundary, and grants nothing the boundary would cut, so a
//! deploy that works under an administrator also works under a bounded deploy role.

use crate::bootstrap::boundary;
use crate::check::policy::{statements, trusted_by_github};
use crate::check::{Finding, Target};
use crate::components::account::{ACCOUNT_VARIABLE, API_GATEWAY_LOGS_POLICY};
use crate::iam::ALLOWED_MANAGED_POLICIES;
use crate::model::{Program, Ref, RefRoot, Resource, Value};

const ROLE: &str = "aws:iam/role:Role";

/// The services of the AWS managed policies the stacks' roles may carry.
fn managed_services(arn: &str) -> Option<&'static [&'static str]> {
    match arn {
        _ if arn == ALLOWED_MANAGED_POLICIES[0] => Some(&["xray"]),
        _ if arn == ALLOWED_MANAGED_POLICIES[1] => Some(&["ec2"]),
        API_GATEWAY_LOGS_POLICY => Some(&["logs"]),
        _ => None,
    }
}

fn finding(check: &'static str, resource: &Resource, rest: &str, message: String) -> Finding {
    Finding {
        check,
        path: format!("resources.{}{rest}", resource.name),
        message,
    }
}

/// Whether `value` names the boundary: the program's own boundary policy, or the one the
/// account's bootstrap declared, looked up by its ARN.
fn is_boundary(program: &Program, value: Option<&Value>) -> bool {
    let Some(Value::Ref(reference)) = value else {
        return false;
    };
    if let RefRoot::Variable(variable) = &reference.root {
        return reference.path.is_empty()
            && matches!(
                program.variables.get(variable),
                Some(Value::Invoke(invoke))
                    if invoke.function == "aws:iam/getPolicy:getPolicy"
                        && invoke.arguments.get("arn")
                        == Some(&boundary::arn_in(&Value::Ref(Ref::variable(ACCOUNT_VARIABLE))))
                        && invoke.returns.as_deref() == Some("arn")
            );
    }
    reference
        .resource()
        .and_then(|name| program.resources.get(name))
        .is_some_and(|policy| {
            policy.type_token == "aws:iam/policy:Policy"
                && policy.get("name").and_then(Value::as_str) == Some(boundary::NAME)
                && reference.first_field() == Some("arn")
        })
}

/// The roles a stack's deploy role creates: every role but the bootstrap's GitHub environment
/// roles.
fn bounded_roles(program: &Program) -> impl Iterator<Item = &Resource> {
    program
        .of_type(ROLE)
        .filter(|role| !trusted_by_github(program, &role.name))
}

/// Every role but a GitHub environment's carries the account's permissions boundary.
pub fn roles_carry_boundary(program: &Program, _: &Target) -> Vec<Finding> {
    bounded_roles(program)
        .filter(|role| !is_boundary(program, role.get("permissionsBoundary")))
        .map(|role| {
            finding(
                "roles-carry-boundary",
                role,
                ".properties.permissionsBoundary",
                format!(
                    "set permissionsBoundary to the account's {} (the deploy roles may create no role without it)",
                    boundary::NAME
                ),
            )
        })
        .collect()
}

/// Every action a bounded role is granted (inline or through a managed policy) belongs to a
/// service the boundary allows; otherwise the boundary would silently cut it in AWS.
pub fn roles_within_boundary(program: &Program, _: &Target) -> Vec<Finding> {
    let bounded: Vec<&str> = bounded_roles(program).map(|r| r.name.as_str()).collect();
    let of_bounded = |resource: &Resource| {
        resource
            .get("role")
            .and_then(Value::as_ref)
            .and_then(Ref::resource)
            .is_some_and(|role| bounded.contains(&role))
    };
    let allowed = |action: &str| {
        action
            .split_once(':')
            .is_some_and(|(service, _)| boundary::SERVICES.contains(&service))
    };
    let mut out = Vec::new();
    for policy in program.of_type("aws:iam/rolePolicy:RolePolicy") {
        if !of_bounded(policy) {
            continue;
        }
        let Some(document) = policy.get("policy") else {
            continue;
        };
        for (i, statement) in statements(document).iter().enumerate() {
            if statement.get("Effect").and_then(Value::as_str) == Some("Deny") {
                continue;
            }
            let actions: Vec<&str> = match statement.get("Action") {
                Some(Value::List(items)) => items.iter().filter_map(Value::as_str).collect(),
                Some(single) => single.as_str().into_iter().collect(),
                None => Vec::new(),
            };
            for action in actions.into_iter().filter(|action| !allowed(action)) {
                out.push(finding(
                    "roles-within-boundary",
                    policy,
                    &format!(".properties.policy.fn::toJSON.Statement[{i}].Action"),
                    format!(
                        "`{action}` is outside the permissions boundary ({}): add its service to infra/src/bootstrap/boundary.rs and bootstrap the accounts again",
                        boundary::SERVICES.join(", ")
                    ),
                ));
            }
        }
    }
    for attachment in program.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
        if !of_bounded(attachment) {
            continue;
        }
        let arn = attachment.get("policyArn").and_then(Value::as_str);
        let within = arn
            .and_then(managed_services)
            .is_some_and(|services| services.iter().all(|s| boundary::SERVICES.contains(s)));
        if !within {
            out.push(finding(
                "roles-within-boundary",
                attachment,
                ".properties.policyArn",
                "a managed policy whose services the permissions boundary does not list".into(),
            ));
        }
    }
    out
}
