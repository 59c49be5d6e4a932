//! The `ws` Lambda: API Gateway WebSocket routes `$connect`, `$disconnect` and `$default`.
//!
//! Environment: what [`code_remote_config::WsSettings`] reads (`Function::Ws.variables()`; without
//! `WEBSOCKET_MANAGEMENT_URL` the `pong` goes back through the stage that delivered the event),
//! plus `AWS_ENDPOINT_URL` for emulators and `RUST_LOG`.

use anyhow::Context;
use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::encodings::Body;
use code_remote_auth::Verifier;
use code_remote_config::{Env, WsSettings};
use code_remote_domain::ConnectionId;
use code_remote_store::Store;
use code_remote_ws::handlers::ConnectError;
use code_remote_ws::{Connections, Pusher};
use lambda_runtime::{service_fn, LambdaEvent};
use std::sync::Arc;
use tokio::sync::OnceCell;

struct Handler {
    connections: Connections,
    aws: aws_config::SdkConfig,
    pusher: OnceCell<Pusher>,
}

fn respond(status: i64, body: &str) -> ApiGatewayProxyResponse {
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = status;
    response.body = Some(Body::Text(body.to_owned()));
    response
}

impl Handler {
    async fn pusher(&self, event: &ApiGatewayWebsocketProxyRequest) -> &Pusher {
        self.pusher
            .get_or_init(|| async {
                let context = &event.request_context;
                let endpoint = format!(
                    "https://{}/{}",
                    context.domain_name.as_deref().unwrap_or_default(),
                    context.stage.as_deref().unwrap_or_default()
                );
                Pusher::new(&self.aws, &endpoint)
            })
            .await
    }

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
                    self.pusher(&event)
                        .await
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
    let started = std::time::Instant::now();
    code_remote_config::init_json_logs();
    let settings = WsSettings::load(&Env::process())?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = Store::connect(&settings.database, &aws)
        .await
        .context("configuring the database pool")?;
    let verifier = Arc::new(Verifier::new(&settings.cognito, reqwest::Client::new()));
    let pusher = OnceCell::new();
    if let Some(push) = settings.push {
        let _ = pusher.set(Pusher::new(&aws, &push.management_url));
    }
    let handler = Arc::new(Handler {
        connections: Connections::new(verifier, store),
        aws,
        pusher,
    });
    code_remote_config::log_ready(started);
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| {
            let handler = handler.clone();
            async move { handler.handle(event.payload).await }
        },
    ))
    .await
    .map_err(|err| anyhow::anyhow!("lambda runtime stopped: {err}"))
}
