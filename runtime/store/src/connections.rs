//! WebSocket connections and their owners, so the worker pushes a result only to its user.

use code_remote_domain::{ConnectionId, UserId};

use crate::{Store, StoreError};

impl Store {
    /// Records that `user` opened `connection` (idempotent: a repeated `$connect` keeps one row).
    pub async fn open_connection(
        &self,
        connection: &ConnectionId,
        user: UserId,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO connections (id, user_id) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET user_id = EXCLUDED.user_id, connected_at = now()",
        )
        .bind(connection.as_str())
        .bind(user.as_uuid())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets a closed connection.
    pub async fn close_connection(&self, connection: &ConnectionId) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM connections WHERE id = $1")
            .bind(connection.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The user who owns `connection`, if it is open.
    pub async fn connection_owner(
        &self,
        connection: &ConnectionId,
    ) -> Result<Option<UserId>, StoreError> {
        let owner: Option<uuid::Uuid> =
            sqlx::query_scalar("SELECT user_id FROM connections WHERE id = $1")
                .bind(connection.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(owner.map(UserId::from_uuid))
    }
}
