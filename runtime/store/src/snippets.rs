//! Snippets: create, read, list, update, star and delete, always scoped to their owner.

use code_remote_domain::{
    NewSnippet, Page, Snippet, SnippetChanges, SnippetId, SnippetSummary, UserId,
};
use sqlx::postgres::PgRow;
use sqlx::Row;

use crate::{Store, StoreError};

const COLUMNS: &str = "id, title, language, code, description, execution_count, is_starred, \
    time_complexity, space_complexity, last_execution_at, created_at, updated_at";

fn snippet(row: &PgRow) -> Result<Snippet, sqlx::Error> {
    Ok(Snippet {
        id: SnippetId::from_uuid(row.try_get("id")?),
        title: row.try_get("title")?,
        language: row.try_get("language")?,
        code: row.try_get("code")?,
        description: row.try_get("description")?,
        execution_count: row.try_get("execution_count")?,
        is_starred: row.try_get("is_starred")?,
        time_complexity: row.try_get("time_complexity")?,
        space_complexity: row.try_get("space_complexity")?,
        last_execution_at: row.try_get("last_execution_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// Saves a new snippet for `owner`.
    pub async fn create_snippet(
        &self,
        owner: UserId,
        new: &NewSnippet,
    ) -> Result<Snippet, StoreError> {
        let row = sqlx::query(&format!(
            "INSERT INTO snippets (id, user_id, title, language, code, description, is_starred)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
        ))
        .bind(SnippetId::generate().as_uuid())
        .bind(owner.as_uuid())
        .bind(&new.title)
        .bind(&new.language)
        .bind(&new.code)
        .bind(&new.description)
        .bind(new.is_starred)
        .fetch_one(&self.pool)
        .await?;
        Ok(snippet(&row)?)
    }

    /// The snippet `id` if `owner` has it.
    pub async fn snippet(
        &self,
        owner: UserId,
        id: SnippetId,
    ) -> Result<Option<Snippet>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM snippets WHERE id = $1 AND user_id = $2"
        ))
        .bind(id.as_uuid())
        .bind(owner.as_uuid())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(snippet).transpose()?)
    }

    /// One page of `owner`'s snippets, starred first, then most recently updated, with the total.
    pub async fn list_snippets(
        &self,
        owner: UserId,
        limit: i64,
        offset: i64,
    ) -> Result<Page<SnippetSummary>, StoreError> {
        let total: i64 = sqlx::query_scalar("SELECT count(*) FROM snippets WHERE user_id = $1")
            .bind(owner.as_uuid())
            .fetch_one(&self.pool)
            .await?;
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM snippets WHERE user_id = $1
             ORDER BY is_starred DESC, updated_at DESC, id
             LIMIT $2 OFFSET $3"
        ))
        .bind(owner.as_uuid())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let items = rows
            .iter()
            .map(|row| snippet(row).map(SnippetSummary::from))
            .collect::<Result<_, _>>()?;
        Ok(Page {
            items,
            total,
            limit,
            offset,
        })
    }

    /// Applies the given fields (absent ones stay as stored); `None` if `owner` has no such snippet.
    pub async fn update_snippet(
        &self,
        owner: UserId,
        id: SnippetId,
        changes: &SnippetChanges,
    ) -> Result<Option<Snippet>, StoreError> {
        let row = sqlx::query(&format!(
            "UPDATE snippets SET
                code = COALESCE($3, code),
                title = COALESCE($4, title),
                language = COALESCE($5, language),
                description = COALESCE($6, description),
                is_starred = COALESCE($7, is_starred),
                updated_at = now()
             WHERE id = $1 AND user_id = $2
             RETURNING {COLUMNS}"
        ))
        .bind(id.as_uuid())
        .bind(owner.as_uuid())
        .bind(&changes.code)
        .bind(&changes.title)
        .bind(&changes.language)
        .bind(&changes.description)
        .bind(changes.is_starred)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(snippet).transpose()?)
    }

    /// Flips the starred flag; `None` if `owner` has no such snippet.
    pub async fn toggle_star(
        &self,
        owner: UserId,
        id: SnippetId,
    ) -> Result<Option<Snippet>, StoreError> {
        let row = sqlx::query(&format!(
            "UPDATE snippets SET is_starred = NOT is_starred, updated_at = now()
             WHERE id = $1 AND user_id = $2
             RETURNING {COLUMNS}"
        ))
        .bind(id.as_uuid())
        .bind(owner.as_uuid())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(snippet).transpose()?)
    }

    /// Deletes the snippet; `false` if `owner` has no such snippet.
    pub async fn delete_snippet(&self, owner: UserId, id: SnippetId) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM snippets WHERE id = $1 AND user_id = $2")
            .bind(id.as_uuid())
            .bind(owner.as_uuid())
            .execute(&self.pool)
            .await?;
        Ok(deleted.rows_affected() == 1)
    }
}
