//! What the sync worker and the analysis routes read and write: a snippet's full current row
//! (not scoped to a caller: the worker acts for the system) and stored analyses.

use chrono::{DateTime, Utc};
use code_remote_domain::{SnippetId, UserId};
use sqlx::Row;

use crate::{code_sha256, Store, StoreError};

/// A snippet as the sync worker sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncRow {
    /// The snippet.
    pub id: SnippetId,
    /// Its owner.
    pub user_id: UserId,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Language.
    pub language: String,
    /// Code.
    pub code: String,
    /// Starred by its owner.
    pub is_starred: bool,
    /// Stored time complexity.
    pub time_complexity: Option<String>,
    /// Stored space complexity.
    pub space_complexity: Option<String>,
    /// Patterns of the stored analysis.
    pub patterns: Vec<String>,
    /// SHA-256 of the code the stored analysis is about.
    pub analyzed_code_sha256: Option<Vec<u8>>,
    /// Last write of the user's fields.
    pub updated_at: DateTime<Utc>,
    /// Last stored analysis.
    pub analyzed_at: Option<DateTime<Utc>>,
}

impl SyncRow {
    /// Whether the stored analysis is missing or about other code.
    pub fn needs_analysis(&self) -> bool {
        self.analyzed_code_sha256.as_deref() != Some(code_sha256(&self.code).as_slice())
    }

    /// The row's version for the search backend: the later of `updated_at` and `analyzed_at`.
    pub fn version(&self) -> DateTime<Utc> {
        self.analyzed_at
            .map_or(self.updated_at, |at| at.max(self.updated_at))
    }
}

/// An analysis to store on a snippet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnalysis {
    /// Canonical time complexity.
    pub time_complexity: String,
    /// Canonical space complexity.
    pub space_complexity: String,
    /// Markdown narrative.
    pub narrative: String,
    /// Pattern names.
    pub patterns: Vec<String>,
    /// Model that answered (`heuristic` for the offline analyzer).
    pub model_used: String,
}

impl Store {
    /// The current row of snippet `id`, whoever owns it; `None` once deleted.
    pub async fn snippet_for_sync(&self, id: SnippetId) -> Result<Option<SyncRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, user_id, title, description, language, code, is_starred, time_complexity,
                    space_complexity, analysis_patterns, analyzed_code_sha256, updated_at, analyzed_at
             FROM snippets WHERE id = $1",
        )
        .bind(id.as_uuid())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(SyncRow {
            id: SnippetId::from_uuid(row.try_get("id")?),
            user_id: UserId::from_uuid(row.try_get("user_id")?),
            title: row.try_get("title")?,
            description: row.try_get("description")?,
            language: row.try_get("language")?,
            code: row.try_get("code")?,
            is_starred: row.try_get("is_starred")?,
            time_complexity: row.try_get("time_complexity")?,
            space_complexity: row.try_get("space_complexity")?,
            patterns: row.try_get("analysis_patterns")?,
            analyzed_code_sha256: row.try_get("analyzed_code_sha256")?,
            updated_at: row.try_get("updated_at")?,
            analyzed_at: row.try_get("analyzed_at")?,
        }))
    }

    /// Stores an analysis of `code` on snippet `id` if the snippet still holds exactly that code
    /// (and, when `owner` is given, belongs to it). Returns whether it was stored.
    pub async fn store_analysis(
        &self,
        id: SnippetId,
        owner: Option<UserId>,
        code: &str,
        analysis: &StoredAnalysis,
    ) -> Result<bool, StoreError> {
        let hash = code_sha256(code);
        let stored = sqlx::query(
            "UPDATE snippets SET
                time_complexity = $3, space_complexity = $4, complexity_narrative = $5,
                analysis_patterns = $6, model_used = $7, analyzed_code_sha256 = $2,
                analyzed_at = now()
             WHERE id = $1 AND sha256(convert_to(code, 'UTF8')) = $2
               AND ($8::uuid IS NULL OR user_id = $8::uuid)",
        )
        .bind(id.as_uuid())
        .bind(&hash)
        .bind(clip(&analysis.time_complexity, 50))
        .bind(clip(&analysis.space_complexity, 50))
        .bind(&analysis.narrative)
        .bind(&analysis.patterns)
        .bind(clip(&analysis.model_used, 100))
        .bind(owner.map(|o| o.as_uuid()))
        .execute(&self.pool)
        .await?;
        Ok(stored.rows_affected() == 1)
    }

    /// Up to `limit` snippet ids after `after` in id order, for rebuilding the search backend.
    pub async fn snippet_ids_after(
        &self,
        after: Option<SnippetId>,
        limit: i64,
    ) -> Result<Vec<SnippetId>, StoreError> {
        let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
            "SELECT id FROM snippets WHERE ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2",
        )
        .bind(after.map(|id| id.as_uuid()))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(SnippetId::from_uuid).collect())
    }

    /// How many snippets exist (for resync progress).
    pub async fn count_snippets(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM snippets")
            .fetch_one(&self.pool)
            .await?)
    }
}

fn clip(value: &str, chars: usize) -> String {
    value.chars().take(chars).collect()
}
