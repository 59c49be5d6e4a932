//! The `ws` Lambda: API Gateway WebSocket routes `$connect`, `$disconnect` and `$default`.
//!
//! Environment: `DATABASE_URL`, `DATABASE_MAX_CONNECTIONS`, `COGNITO_CLIENT_ID`,
//! `COGNITO_USER_POOL_ID` + `AWS_REGION` (or `COGNITO_ISSUER`), `COGNITO_JWKS_URL`,
//! `WEBSOCKET_MANAGEMENT_URL` (for the `pong` reply), `AWS_ENDPOINT_URL` for emulators.

use anyhow::Context;
use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::encodings::Body;
use code_remote_auth::Verifier;
use code_remote_config::{CognitoConfig, DatabaseConfig, Env, PushConfig};
use code_remote_domain::ConnectionId;
use code_remote_store::Store;
use code_remote_ws::handlers::ConnectError;
use code_remote_ws::{Connections, Pusher};
use lambda_runtime::{service_fn, LambdaEvent};
use std::sync::Arc;

struct Handler {
    connections: Connections,
    pusher: Pusher,
}

fn respond(status: i64, body: &str) -> ApiGatewayProxyResponse {
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = status;
    response.body = Some(Body::Text(body.to_owned()));
    response
}

impl Handler {
    async fn handle(
        &self,
        event: ApiGatewayWebsocketProxyRequest,
    ) -> Result<ApiGatewayProxyResponse, lambda_runtime::Error> {
        let context = &event.request_context;
        let Some(connection) = context
            .connection_id
            .clone()
            .and_then(|id| ConnectionId::parse(id).ok())
        else {
            return Ok(respond(400, "missing connection id"));
        };
        match context.route_key.as_deref() {
            Some("$connect") => {
                let token = event.query_string_parameters.first("token");
                match self.connections.connect(&connection, token).await {
                    Ok(_) => Ok(respond(200, "connected")),
                    Err(ConnectError::Unauthorized(err)) => Ok(respond(401, &err.to_string())),
                    Err(ConnectError::Store(err)) => Err(err.into()),
                }
            }
            Some("$disconnect") => {
                self.connections.disconnect(&connection).await?;
                Ok(respond(200, "disconnected"))
            }
            _ => {
                let frame = event.body.as_deref().unwrap_or_default();
                if let Some(reply) = Connections::default_route(&connection, frame) {
                    self.pusher
                        .push(&connection, reply.to_string().into_bytes())
                        .await?;
                }
                Ok(respond(200, "ok"))
            }
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let env = Env::process();
    let database = DatabaseConfig::load(&env)?;
    let cognito = CognitoConfig::load(&env)?;
    let push = PushConfig::load(&env)?;
    let store = Store::connect_lazy(&database.url, database.max_connections)
        .context("configuring the database pool")?;
    let verifier = Arc::new(Verifier::new(&cognito, reqwest::Client::new()));
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let handler = Arc::new(Handler {
        connections: Connections::new(verifier, store),
        pusher: Pusher::new(&aws, &push.management_url),
    });
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| {
            let handler = handler.clone();
            async move { handler.handle(event.payload).await }
        },
    ))
    .await
    .map_err(|err| anyhow::anyhow!("lambda runtime stopped: {err}"))
}
