//! The HTTP API: a JWT authorizer whose issuer is built from the stack's region, `GET /health`
//! open, every other route authorized, stage throttling from config and JSON access logs.

use crate::components::auth::Auth;
use crate::components::functions::{allow_api_gateway, Function};
use crate::components::websocket::throttled_and_logged;
use crate::components::Context;
use crate::error::InfraError;
use crate::model::{concat, list, map, Program, Resource, ResourceRef, Value};

/// References to the HTTP API.
#[derive(Debug, Clone)]
pub struct HttpApi {
    /// The API.
    pub api: ResourceRef,
}

/// Declares the API; `origins` are the browser origins allowed by CORS.
pub fn build(
    program: &mut Program,
    ctx: &Context<'_>,
    function: &Function,
    auth: &Auth,
    origins: Vec<Value>,
    account: &crate::components::account::Account,
) -> Result<HttpApi, InfraError> {
    let n = &ctx.naming;
    let api = program.add(
        Resource::new("httpApi", "aws:apigatewayv2/api:Api")
            .prop("name", n.name("api"))
            .prop("protocolType", "HTTP")
            .prop(
                "corsConfiguration",
                map([
                    ("allowOrigins", Value::List(origins)),
                    (
                        "allowMethods",
                        list(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
                    ),
                    ("allowHeaders", list(["authorization", "content-type"])),
                    ("maxAge", Value::Int(3600)),
                ]),
            )
            .prop("tags", n.tags("api")),
    )?;
    let integration = program.add(
        Resource::new(
            "httpIntegration",
            "aws:apigatewayv2/integration:Integration",
        )
        .prop("apiId", api.id())
        .prop("integrationType", "AWS_PROXY")
        .prop("integrationUri", function.alias.out("invokeArn"))
        .prop("payloadFormatVersion", "2.0"),
    )?;
    let authorizer = program.add(
        Resource::new("httpAuthorizer", "aws:apigatewayv2/authorizer:Authorizer")
            .prop("apiId", api.id())
            .prop("name", n.name("cognito"))
            .prop("authorizerType", "JWT")
            .prop("identitySources", list(["$request.header.Authorization"]))
            .prop(
                "jwtConfiguration",
                map([
                    ("issuer", auth.issuer.clone()),
                    ("audiences", list([auth.client.id()])),
                ]),
            ),
    )?;
    let target = concat([Value::from("integrations/"), integration.id().into()]);
    program.add(
        Resource::new("httpHealthRoute", "aws:apigatewayv2/route:Route")
            .prop("apiId", api.id())
            .prop("routeKey", "GET /health")
            .prop("authorizationType", "NONE")
            .prop("target", target.clone()),
    )?;
    program.add(
        Resource::new("httpDefaultRoute", "aws:apigatewayv2/route:Route")
            .prop("apiId", api.id())
            .prop("routeKey", "$default")
            .prop("authorizationType", "JWT")
            .prop("authorizerId", authorizer.id())
            .prop("target", target),
    )?;
    let logs = program.add(
        Resource::new("httpAccessLogs", "aws:cloudwatch/logGroup:LogGroup")
            .prop("name", format!("/aws/apigateway/{}", n.name("api")))
            .prop("retentionInDays", ctx.config.log_retention_days)
            .prop("tags", n.tags("api-access")),
    )?;
    let stage = Resource::new("httpStage", "aws:apigatewayv2/stage:Stage")
        .prop("apiId", api.id())
        .prop("name", "$default")
        .prop("autoDeploy", true);
    program.add(
        throttled_and_logged(stage, &ctx.config.api_throttle, &logs, false)
            .prop("tags", n.tags("api"))
            // Logging needs the account's CloudWatch role in place first.
            .depends_on(&account.api_gateway),
    )?;
    allow_api_gateway(program, "httpInvoke", function, api.out("executionArn"))?;
    Ok(HttpApi { api })
}
