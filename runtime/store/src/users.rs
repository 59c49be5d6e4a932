//! Users: created on their first authenticated request, `last_login` refreshed at most once a minute.

use code_remote_domain::UserId;

use crate::{Store, StoreError};

impl Store {
    /// The row id of the user with Cognito `sub`, creating the row on first sight and touching
    /// `last_login` only when the previous write is over a minute old (one write per minute, not
    /// per request).
    pub async fn sync_user(
        &self,
        sub: &str,
        email: Option<&str>,
        username: Option<&str>,
    ) -> Result<UserId, StoreError> {
        let id: uuid::Uuid = sqlx::query_scalar(
            r#"
            WITH upserted AS (
                INSERT INTO users (id, cognito_sub, email, username, last_login)
                VALUES ($1, $2, $3, $4, now())
                ON CONFLICT (cognito_sub) DO UPDATE
                    SET last_login = now(),
                        email = COALESCE(EXCLUDED.email, users.email),
                        username = COALESCE(EXCLUDED.username, users.username),
                        updated_at = now()
                    WHERE users.last_login IS NULL
                       OR users.last_login < now() - interval '1 minute'
                RETURNING id
            )
            SELECT id FROM upserted
            UNION ALL
            SELECT id FROM users WHERE cognito_sub = $2
            LIMIT 1
            "#,
        )
        .bind(uuid::Uuid::new_v4())
        .bind(sub)
        .bind(email)
        .bind(username)
        .fetch_one(&self.pool)
        .await?;
        Ok(UserId::from_uuid(id))
    }
}
