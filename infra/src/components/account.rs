//! Account-level settings a first deploy needs: the account id (for globally unique bucket names
//! and key policies) and API Gateway's CloudWatch role, without which API Gateway refuses a
//! WebSocket stage with logging ("CloudWatch Logs role ARN must be set in account settings").
//!
//! `aws:apigateway/account:Account` is one setting per account and region: `deploy bootstrap`
//! sets it for a new account, and every stack sets it again to its own role, which works as well
//! (all the roles carry the same managed policy), so a stack never depends on another program.
//!
//! Every role of a stack carries the account's permissions boundary, which `deploy bootstrap`
//! creates ([`crate::bootstrap::boundary`]); the deploy roles may create no other role.

use crate::bootstrap::boundary;
use crate::error::InfraError;
use crate::iam::assume_role;
use crate::model::{Invoke, Program, Ref, Resource, ResourceRef, Value};
use crate::naming::Naming;

/// The variable holding the account id.
pub const ACCOUNT_VARIABLE: &str = "accountId";

/// The managed policy API Gateway's logging role carries.
pub const API_GATEWAY_LOGS_POLICY: &str =
    "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs";

/// What the rest of the program builds on.
#[derive(Debug, Clone)]
pub struct Account {
    /// `${accountId}`.
    pub id: Value,
    /// The API Gateway account settings; stages with logging depend on them.
    pub api_gateway: ResourceRef,
    /// The ARN of the permissions boundary every role of the program carries.
    pub boundary: Value,
}

/// Declares the account id variable and API Gateway's CloudWatch role. The roles carry
/// `boundary` when the program declares it (the bootstrap), else the boundary the account's
/// bootstrap created.
pub fn build(
    program: &mut Program,
    n: &Naming,
    boundary: Option<&ResourceRef>,
) -> Result<Account, InfraError> {
    program.variable(
        ACCOUNT_VARIABLE,
        Value::Invoke(Invoke {
            function: "aws:index/getCallerIdentity:getCallerIdentity".into(),
            arguments: Default::default(),
            returns: Some("accountId".into()),
        }),
    );
    let id = Value::Ref(Ref::variable(ACCOUNT_VARIABLE));
    let boundary = match boundary {
        Some(declared) => declared.arn().into(),
        None => boundary::look_up(program, &id),
    };
    let role = program.add(
        Resource::new("apiGatewayLogsRole", "aws:iam/role:Role")
            // Named like the program's other roles, so a deploy role scoped to them manages it.
            .prop("name", n.name("apigateway-logs"))
            .prop("assumeRolePolicy", assume_role("apigateway.amazonaws.com"))
            .prop("permissionsBoundary", boundary.clone())
            .prop(
                "description",
                "lets API Gateway write execution and access logs to CloudWatch",
            )
            .prop("tags", n.tags("apigateway-logs")),
    )?;
    let attachment = program.add(
        Resource::new(
            "apiGatewayLogsPolicy",
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        )
        .prop("role", role.id())
        .prop("policyArn", API_GATEWAY_LOGS_POLICY),
    )?;
    let api_gateway = program.add(
        Resource::new("apiGatewayAccount", "aws:apigateway/account:Account")
            .prop("cloudwatchRoleArn", role.arn())
            .depends_on(&attachment),
    )?;
    Ok(Account {
        id,
        api_gateway,
        boundary,
    })
}
