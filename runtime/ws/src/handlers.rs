//! Connection lifecycle: `$connect`, `$disconnect`, `$default`.

use code_remote_auth::{AuthError, Verifier};
use code_remote_domain::{ConnectionId, UserId};
use code_remote_store::{Store, StoreError};
use serde_json::{json, Value};
use std::sync::Arc;

/// Why a connection was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The `token` query parameter is missing or not a valid ID token.
    #[error(transparent)]
    Unauthorized(#[from] AuthError),
    /// The connection could not be recorded.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The connection handlers, sharing the verifier and the store.
#[derive(Clone)]
pub struct Connections {
    verifier: Arc<Verifier>,
    store: Store,
}

impl Connections {
    /// Handlers over `verifier` and `store`.
    pub fn new(verifier: Arc<Verifier>, store: Store) -> Self {
        Self { verifier, store }
    }

    /// `$connect`: verifies the ID token and binds the connection to its user.
    pub async fn connect(
        &self,
        connection: &ConnectionId,
        token: Option<&str>,
    ) -> Result<UserId, ConnectError> {
        let token = token.filter(|t| !t.is_empty()).ok_or(AuthError::Missing)?;
        let claims = self.verifier.verify(token).await?;
        let user = self
            .store
            .sync_user(
                &claims.sub,
                claims.email.as_deref(),
                claims.username.as_deref(),
            )
            .await?;
        self.store.open_connection(connection, user).await?;
        tracing::info!(connection = %connection, user = %user, "websocket connected");
        Ok(user)
    }

    /// `$disconnect`: forgets the connection.
    pub async fn disconnect(&self, connection: &ConnectionId) -> Result<(), StoreError> {
        self.store.close_connection(connection).await?;
        tracing::info!(connection = %connection, "websocket disconnected");
        Ok(())
    }

    /// `$default`: the reply to a client frame, if any (`{"action":"ping"}` gets a `pong`).
    pub fn default_route(connection: &ConnectionId, frame: &str) -> Option<Value> {
        let message: Value = serde_json::from_str(frame).ok()?;
        match message.get("action").and_then(Value::as_str) {
            Some("ping") => Some(json!({"type": "pong", "connection_id": connection.as_str()})),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_gets_a_pong_naming_the_connection() {
        let connection = ConnectionId::parse("abc=").unwrap();
        assert_eq!(
            Connections::default_route(&connection, r#"{"action":"ping"}"#),
            Some(json!({"type": "pong", "connection_id": "abc="}))
        );
        assert_eq!(Connections::default_route(&connection, "nonsense"), None);
        assert_eq!(
            Connections::default_route(&connection, r#"{"action":"other"}"#),
            None
        );
    }
}
