//! The endpoints of a running stack, as `deploy outputs --stack local --json` prints them.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::state::{Phase, StackDir};
use crate::{Error, LocalName};

/// Everything a client needs to reach a stack; the JSON keys are the cloud stacks' output names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outputs {
    /// The HTTP API, e.g. `http://127.0.0.1:8000`.
    pub api_url: String,
    /// The WebSocket endpoint (`?token=<ID token>` to connect).
    pub websocket_url: String,
    /// The web app (served by the API process).
    pub frontend_url: String,
    /// The Cognito user pool.
    pub user_pool_id: String,
    /// Its public app client.
    pub user_pool_client_id: String,
    /// The AWS region the emulator pretends to be.
    pub region: String,
    /// The `iss` of the pool's ID tokens.
    pub cognito_issuer: String,
    /// Where the pool's signing keys are served.
    pub jwks_url: String,
    /// The AWS emulator (moto) every AWS call goes to.
    pub aws_endpoint_url: String,
    /// The stack's PostgreSQL database.
    pub database_url: String,
    /// What runs the queues: `postgres` (the stack's database) or `sqs` (moto).
    pub queue_engine: String,
    /// The execution jobs queue (`pgqueue://<name>` on the PostgreSQL engine).
    pub execution_queue_url: String,
    /// The snippet-sync events queue.
    pub sync_queue_url: String,
}

impl fmt::Display for Outputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows = [
            ("apiUrl", &self.api_url),
            ("websocketUrl", &self.websocket_url),
            ("frontendUrl", &self.frontend_url),
            ("userPoolId", &self.user_pool_id),
            ("userPoolClientId", &self.user_pool_client_id),
            ("region", &self.region),
            ("cognitoIssuer", &self.cognito_issuer),
            ("jwksUrl", &self.jwks_url),
            ("awsEndpointUrl", &self.aws_endpoint_url),
            ("databaseUrl", &self.database_url),
            ("queueEngine", &self.queue_engine),
            ("executionQueueUrl", &self.execution_queue_url),
            ("syncQueueUrl", &self.sync_queue_url),
        ];
        for (index, (key, value)) in rows.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{key:<18}{value}")?;
        }
        Ok(())
    }
}

/// The outputs of the running stack `name`.
pub fn read(name: &LocalName) -> Result<Outputs, Error> {
    let dir = StackDir::of(name);
    let state = dir
        .read()?
        .filter(|state| state.supervisor_alive())
        .ok_or_else(|| Error::NotRunning(name.to_string()))?;
    match (state.phase, state.outputs) {
        (Phase::Ready, Some(outputs)) => Ok(outputs),
        _ => Err(Error::NotReady(name.to_string())),
    }
}
