//! The WebSocket API: `$connect` (the `ws` function checks the ID token passed as a query
//! parameter, since browsers cannot set headers on a WebSocket), `$disconnect` and `$default`,
//! deployed to a throttled stage with access logs.

use crate::components::functions::{allow_api_gateway, Function};
use crate::components::Context;
use crate::config::Throttle;
use crate::error::InfraError;
use crate::model::{concat, map, Program, Resource, ResourceRef, Value};

/// The stage name (part of the WebSocket and management URLs).
pub const STAGE: &str = "live";
/// The routes, in declaration order.
pub const ROUTES: [&str; 3] = ["$connect", "$disconnect", "$default"];

/// The API, declared before the functions because the worker posts to its management endpoint.
#[derive(Debug, Clone)]
pub struct WsApi {
    /// The API.
    pub api: ResourceRef,
    /// `https://<api id>.execute-api.<region>.amazonaws.com/<stage>`.
    pub management_url: Value,
    /// The ARN pattern of this stage's connections, for `execute-api:ManageConnections`.
    pub connections_arn: Value,
}

/// The deployed stage.
#[derive(Debug, Clone)]
pub struct WsStage {
    /// The stage.
    pub stage: ResourceRef,
}

/// Declares the API itself.
pub fn api(program: &mut Program, ctx: &Context<'_>) -> Result<WsApi, InfraError> {
    let n = &ctx.naming;
    let api = program.add(
        Resource::new("websocketApi", "aws:apigatewayv2/api:Api")
            .prop("name", n.name("ws"))
            .prop("protocolType", "WEBSOCKET")
            .prop("routeSelectionExpression", "$request.body.action")
            .prop("tags", n.tags("ws")),
    )?;
    let management_url = concat([
        Value::from("https://"),
        api.id().into(),
        Value::from(format!(
            ".execute-api.{}.amazonaws.com/{STAGE}",
            ctx.config.region
        )),
    ]);
    let connections_arn = concat([
        api.out("executionArn").into(),
        Value::from(format!("/{STAGE}/POST/@connections/*")),
    ]);
    Ok(WsApi {
        api,
        management_url,
        connections_arn,
    })
}

/// A digest of the rendered definitions of `routes` and `integration`.
fn definition_digest(
    program: &Program,
    routes: &[ResourceRef],
    integration: &ResourceRef,
) -> String {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    for logical in routes.iter().chain([integration]).map(ResourceRef::name) {
        if let Some(resource) = program.resources.get(logical) {
            hasher.update(format!("{logical}:{:?}\n", resource.properties).as_bytes());
        }
    }
    hex::encode(hasher.finalize())
}

/// Declares the integration, routes, deployment and stage, targeting the `ws` function's alias.
pub fn attach(
    program: &mut Program,
    ctx: &Context<'_>,
    ws_api: &WsApi,
    function: &Function,
    account: &crate::components::account::Account,
) -> Result<WsStage, InfraError> {
    let n = &ctx.naming;
    let api = &ws_api.api;
    let integration = program.add(
        Resource::new(
            "websocketIntegration",
            "aws:apigatewayv2/integration:Integration",
        )
        .prop("apiId", api.id())
        .prop("integrationType", "AWS_PROXY")
        .prop("integrationUri", function.alias.out("invokeArn")),
    )?;
    let mut routes = Vec::new();
    for (key, logical) in ROUTES.iter().zip([
        "websocketConnect",
        "websocketDisconnect",
        "websocketDefault",
    ]) {
        routes.push(
            program.add(
                Resource::new(logical, "aws:apigatewayv2/route:Route")
                    .prop("apiId", api.id())
                    .prop("routeKey", *key)
                    .prop("authorizationType", "NONE")
                    .prop(
                        "target",
                        concat([Value::from("integrations/"), integration.id().into()]),
                    ),
            )?,
        );
    }
    // A WebSocket deployment is a snapshot: it must be replaced whenever a route or the
    // integration changes, or the stage keeps serving the old routes. The triggers hold every
    // route's id (a replaced or added route changes it) and a digest of their definitions (an
    // in-place change changes it).
    let route_ids = concat(routes.iter().flat_map(|route| {
        [
            Value::from(format!("{}=", route.name())),
            route.id().into(),
            Value::from(";"),
        ]
    }));
    let mut deployment = Resource::new(
        "websocketDeployment",
        "aws:apigatewayv2/deployment:Deployment",
    )
    .prop("apiId", api.id())
    .prop("description", "routes of the Code Remote WebSocket API")
    .prop(
        "triggers",
        map([
            ("routes", route_ids),
            (
                "definition",
                Value::from(definition_digest(program, &routes, &integration)),
            ),
        ]),
    );
    for route in &routes {
        deployment = deployment.depends_on(route);
    }
    let deployment = program.add(deployment)?;
    let logs = program.add(
        Resource::new("websocketAccessLogs", "aws:cloudwatch/logGroup:LogGroup")
            .prop("name", format!("/aws/apigateway/{}", n.name("ws")))
            .prop("retentionInDays", ctx.config.log_retention_days)
            .prop("tags", n.tags("ws-access")),
    )?;
    let stage = Resource::new("websocketStage", "aws:apigatewayv2/stage:Stage")
        .prop("apiId", api.id())
        .prop("name", STAGE)
        .prop("deploymentId", deployment.id());
    let stage = program.add(
        throttled_and_logged(stage, &ctx.config.api_throttle, &logs, true)
            .prop("tags", n.tags("ws"))
            // API Gateway refuses a WebSocket stage with logging until the account's CloudWatch
            // role is set.
            .depends_on(&account.api_gateway),
    )?;
    allow_api_gateway(
        program,
        "websocketInvoke",
        function,
        api.out("executionArn"),
    )?;
    Ok(WsStage { stage })
}

/// What both APIs' stages share: the stack's throttling on every route, and the JSON access log
/// (see [`access_log_format`]) into `logs`.
pub fn throttled_and_logged(
    stage: Resource,
    throttle: &Throttle,
    logs: &ResourceRef,
    websocket: bool,
) -> Resource {
    stage
        .prop(
            "defaultRouteSettings",
            map([
                ("throttlingBurstLimit", throttle.burst_limit),
                ("throttlingRateLimit", throttle.rate_limit),
            ]),
        )
        .prop(
            "accessLogSettings",
            map([
                ("destinationArn", Value::Ref(logs.arn())),
                ("format", Value::from(access_log_format(websocket))),
            ]),
        )
}

/// The JSON access log line both APIs write, built as data.
pub fn access_log_format(websocket: bool) -> String {
    let mut fields = serde_json::Map::new();
    let mut put = |k: &str, v: &str| {
        fields.insert(k.to_owned(), serde_json::Value::String(v.to_owned()));
    };
    put("requestId", "$context.requestId");
    put("requestTime", "$context.requestTime");
    put("status", "$context.status");
    put("integrationError", "$context.integrationErrorMessage");
    if websocket {
        put("routeKey", "$context.routeKey");
        put("eventType", "$context.eventType");
        put("connectionId", "$context.connectionId");
    } else {
        put("routeKey", "$context.routeKey");
        put("ip", "$context.identity.sourceIp");
        put("latencyMs", "$context.responseLatency");
        put("user", "$context.authorizer.claims.sub");
    }
    serde_json::Value::Object(fields).to_string()
}
