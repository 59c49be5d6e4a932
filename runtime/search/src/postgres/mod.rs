//! The postgres backend: documents in `search_documents`, `search_embeddings` and
//! `search_patterns` (migration
//! `0006_search_index`), ranked by pgvector when installed, otherwise by an exact scan of the
//! user's embeddings in Rust over the [`cache::EmbeddingCache`].
//!
//! Questions run in read-only transactions with a statement timeout; writes are guarded by the
//! document's `updated_at`, so a replayed or reordered event cannot bring back an older version.

pub mod cache;
mod sql;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use code_remote_analysis::intent::ComplexityKind;
use code_remote_domain::{SnippetId, UserId};
use futures_util::future::BoxFuture;
use sqlx::postgres::{PgArguments, PgPool, PgRow};
use sqlx::query::Query;
use sqlx::{Postgres, Row, Transaction};
use uuid::Uuid;

use crate::backend::{BackendKind, SearchBackend};
use crate::document::{SearchFilters, SearchHit, SemanticQuery, SnippetDocument};
use crate::rank::{cosine, fuse, score, top_k};
use crate::{SearchError, MAX_LIMIT};
use cache::{Candidate, EmbeddingCache, Vector};

/// Default statement timeout of questions.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Most documents one question considers (a user with more sees the first ones only).
const MAX_CANDIDATES: i64 = 200_000;

/// Most word matches one question fuses (the best ones; the rest keep their vector score).
const MAX_TEXT_MATCHES: i64 = 1_000;

/// Longest complexity notation a `varchar(50)` column keeps.
const NOTATION_CHARS: usize = 50;

/// The postgres search backend.
#[derive(Debug, Clone)]
pub struct PgSearch {
    pool: PgPool,
    cache: Arc<EmbeddingCache>,
    pgvector: bool,
    timeout: Duration,
}

impl PgSearch {
    /// A backend over `pool` (the application database, migrated to `0006_search_index` or later).
    /// Asks once whether pgvector is installed.
    pub async fn new(pool: PgPool) -> Result<Self, SearchError> {
        let pgvector: bool = sqlx::query_scalar(sql::HAS_PGVECTOR)
            .fetch_one(&pool)
            .await?;
        Ok(Self {
            pool,
            cache: Arc::new(EmbeddingCache::new(cache::DEFAULT_CAPACITY)),
            pgvector,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// The same backend with an embedding cache of `capacity` vectors (0 disables it).
    pub fn with_cache_capacity(mut self, capacity: usize) -> Self {
        self.cache = Arc::new(EmbeddingCache::new(capacity));
        self
    }

    /// The same backend with another statement timeout for questions.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether questions are ranked by pgvector (otherwise by the exact scan in Rust).
    pub fn uses_pgvector(&self) -> bool {
        self.pgvector
    }

    async fn read(&self) -> Result<Transaction<'static, Postgres>, SearchError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION READ ONLY")
            .execute(&mut *tx)
            .await?;
        sqlx::query("SELECT set_config('statement_timeout', $1, true)")
            .bind(self.timeout.as_millis().max(1).to_string())
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    async fn write(&self, document: &SnippetDocument) -> Result<(), SearchError> {
        let mut tx = self.pool.begin().await?;
        let written = sqlx::query(sql::UPSERT)
            .bind(document.snippet_id.as_uuid())
            .bind(document.user_id.as_uuid())
            .bind(&document.title)
            .bind(&document.description)
            .bind(&document.language)
            .bind(document.time_notation().map(clip))
            .bind(document.space_notation().map(clip))
            .bind(document.time_class())
            .bind(document.space_class())
            .bind(document.is_starred)
            .bind(document.updated_at)
            .bind(document.analysis_terms())
            .bind(&document.embedder)
            .execute(&mut *tx)
            .await?;
        if written.rows_affected() == 0 {
            tracing::info!(snippet = %document.snippet_id, "a newer document is stored; skipped");
            tx.rollback().await?;
            return Ok(());
        }
        sqlx::query(sql::UPSERT_EMBEDDING)
            .bind(document.snippet_id.as_uuid())
            .bind(&document.embedding)
            .execute(&mut *tx)
            .await?;
        sqlx::query(sql::CLEAR_PATTERNS)
            .bind(document.snippet_id.as_uuid())
            .execute(&mut *tx)
            .await?;
        let patterns: Vec<String> = document.patterns.iter().map(|p| clip(p.clone())).collect();
        sqlx::query(sql::INSERT_PATTERNS)
            .bind(document.snippet_id.as_uuid())
            .bind(document.user_id.as_uuid())
            .bind(&patterns)
            .execute(&mut *tx)
            .await?;
        sqlx::query(sql::BUMP_GENERATION)
            .bind(document.user_id.as_uuid())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn rank(
        &self,
        user: UserId,
        query: &SemanticQuery,
    ) -> Result<Vec<SearchHit>, SearchError> {
        let limit = query.limit.clamp(1, MAX_LIMIT);
        let mut tx = self.read().await?;
        let hits = match (&query.embedding, &query.text) {
            (None, None) => {
                let rows = filtered(sql::STRUCTURED, user, query)
                    .bind(limit as i64)
                    .fetch_all(&mut *tx)
                    .await?;
                rows.iter()
                    .map(|row| hit(row, boosted(row, 1.0)?))
                    .collect::<Result<Vec<_>, _>>()?
            }
            (None, Some(text)) => {
                let rows = filtered(sql::FULL_TEXT, user, query)
                    .bind(text.websearch())
                    .bind(limit as i64)
                    .fetch_all(&mut *tx)
                    .await?;
                rows.iter()
                    .map(|row| hit(row, boosted(row, row.try_get("text_rank")?)?))
                    .collect::<Result<Vec<_>, _>>()?
            }
            (Some(embedding), _) if self.pgvector => {
                let words = self.text_ranks(&mut tx, user, query).await?;
                let rows = filtered(sql::PGVECTOR, user, query)
                    .bind((limit * 4) as i64)
                    .bind(embedding)
                    .bind(query.vector_space.as_deref())
                    .fetch_all(&mut *tx)
                    .await?;
                let mut hits = rows
                    .iter()
                    .map(|row| {
                        let id: Uuid = row.try_get("snippet_id")?;
                        let text = words.get(&id).copied().unwrap_or(0.0);
                        hit(row, boosted(row, fuse(row.try_get("similarity")?, text))?)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                hits.sort_by(|a, b| b.score.total_cmp(&a.score));
                hits.truncate(limit);
                hits
            }
            (Some(embedding), _) => self.scan(&mut tx, user, query, embedding, limit).await?,
        };
        tx.rollback().await?;
        Ok(hits)
    }

    /// The exact scan: every candidate's cosine similarity, computed here.
    async fn scan(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        user: UserId,
        query: &SemanticQuery,
        embedding: &[f32],
        limit: usize,
    ) -> Result<Vec<SearchHit>, SearchError> {
        let (candidates, matched) = if query.filters == SearchFilters::default() {
            (self.user_candidates(tx, user).await?, Vec::new())
        } else {
            self.filtered_candidates(tx, user, query).await?
        };
        let words = self.text_ranks(tx, user, query).await?;
        let exclude = query.exclude.map(|id| id.as_uuid());
        let scores: Vec<f64> = candidates
            .iter()
            .enumerate()
            .map(|(i, candidate)| {
                if Some(candidate.id) == exclude {
                    f64::NEG_INFINITY
                } else {
                    let text = words.get(&candidate.id).copied().unwrap_or(0.0);
                    score(
                        fuse(similarity(query, embedding, &candidate.vector), text),
                        matched.get(i).copied().unwrap_or(0),
                        candidate.starred,
                    )
                }
            })
            .collect();
        let best: Vec<usize> = top_k(&scores, limit)
            .into_iter()
            .filter(|i| scores[*i].is_finite())
            .collect();
        let ids: Vec<Uuid> = best.iter().map(|i| candidates[*i].id).collect();
        let rows = sqlx::query(sql::HITS)
            .bind(user.as_uuid())
            .bind(&ids)
            .fetch_all(&mut **tx)
            .await?;
        let mut hits = Vec::with_capacity(best.len());
        for i in best {
            let id = candidates[i].id;
            let row = rows
                .iter()
                .find(|row| row.try_get::<Uuid, _>("snippet_id").ok() == Some(id));
            if let Some(row) = row {
                hits.push(hit(row, scores[i])?);
            }
        }
        Ok(hits)
    }

    /// The word-match strength of the documents matching any of the question's words (none
    /// without words).
    async fn text_ranks(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        user: UserId,
        query: &SemanticQuery,
    ) -> Result<HashMap<Uuid, f64>, SearchError> {
        let Some(text) = &query.text else {
            return Ok(HashMap::new());
        };
        let rows = filtered(sql::TEXT_MATCHES, user, query)
            .bind(text.websearch())
            .bind(MAX_TEXT_MATCHES)
            .fetch_all(&mut **tx)
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("snippet_id")?, row.try_get("text_rank")?)))
            .collect()
    }

    /// All of the user's documents, reused while the user's generation is unchanged.
    async fn user_candidates(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        user: UserId,
    ) -> Result<Arc<Vec<Candidate>>, SearchError> {
        let generation: Option<i64> = sqlx::query_scalar(sql::GENERATION)
            .bind(user.as_uuid())
            .fetch_optional(&mut **tx)
            .await?;
        let Some(generation) = generation else {
            return Ok(Arc::new(Vec::new()));
        };
        if let Some(list) = self.cache.user(user.as_uuid(), generation) {
            return Ok(list);
        }
        let row = sqlx::query(sql::CANDIDATES_ALL)
            .bind(user.as_uuid())
            .bind(None::<Uuid>)
            .bind(MAX_CANDIDATES)
            .fetch_one(&mut **tx)
            .await?;
        let (list, _) = self.assemble(tx, user, &row).await?;
        let list = Arc::new(list);
        self.cache
            .store_user(user.as_uuid(), generation, list.clone());
        Ok(list)
    }

    /// The user's documents that pass the filters, with their pattern matches.
    async fn filtered_candidates(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        user: UserId,
        query: &SemanticQuery,
    ) -> Result<(Arc<Vec<Candidate>>, Vec<i64>), SearchError> {
        let row = filtered(sql::CANDIDATES, user, query)
            .bind(MAX_CANDIDATES)
            .fetch_one(&mut **tx)
            .await?;
        let (list, matched) = self.assemble(tx, user, &row).await?;
        Ok((Arc::new(list), matched))
    }

    /// Candidates from a row of candidate arrays, with vectors from the cache or the database.
    async fn assemble(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        user: UserId,
        row: &PgRow,
    ) -> Result<(Vec<Candidate>, Vec<i64>), SearchError> {
        let ids: Vec<Uuid> = row.try_get("ids")?;
        let revisions: Vec<i64> = row.try_get("revisions")?;
        let starred: Vec<bool> = row.try_get("starred")?;
        let matched: Vec<i64> = row.try_get("matched")?;
        let keys: Vec<(Uuid, i64)> = ids.into_iter().zip(revisions).collect();
        let mut vectors = self.cache.lookup(&keys);
        let missing: Vec<Uuid> = keys
            .iter()
            .zip(&vectors)
            .filter(|(_, cached)| cached.is_none())
            .map(|((id, _), _)| *id)
            .collect();
        if !missing.is_empty() {
            let rows = sqlx::query(sql::EMBEDDINGS)
                .bind(user.as_uuid())
                .bind(&missing)
                .fetch_all(&mut **tx)
                .await?;
            let mut fresh = Vec::with_capacity(rows.len());
            // Documents share a handful of embedders: one allocation per distinct name.
            let mut spaces: HashMap<String, Arc<str>> = HashMap::new();
            for row in &rows {
                let values: Vec<f32> = row.try_get("embedding")?;
                let space: String = row.try_get("embedder")?;
                let space = spaces
                    .entry(space)
                    .or_insert_with_key(|name| Arc::from(name.as_str()))
                    .clone();
                fresh.push((
                    row.try_get::<Uuid, _>("snippet_id")?,
                    row.try_get::<i64, _>("revision")?,
                    Vector {
                        values: Arc::from(values),
                        space,
                    },
                ));
            }
            let by_key: HashMap<(Uuid, i64), Vector> = fresh
                .iter()
                .map(|(id, revision, vector)| ((*id, *revision), vector.clone()))
                .collect();
            for (slot, key) in vectors.iter_mut().zip(&keys) {
                if slot.is_none() {
                    *slot = by_key.get(key).cloned();
                }
            }
            self.cache.store(&fresh);
        }
        let mut list = Vec::with_capacity(keys.len());
        let mut matches = Vec::with_capacity(keys.len());
        for ((((id, _), starred), matched), vector) in
            keys.into_iter().zip(starred).zip(matched).zip(vectors)
        {
            if let Some(vector) = vector {
                list.push(Candidate {
                    id,
                    starred,
                    vector,
                });
                matches.push(matched);
            }
        }
        Ok((list, matches))
    }

    async fn complexity(
        &self,
        user: UserId,
        kind: ComplexityKind,
        notation: &str,
        limit: usize,
    ) -> Result<Vec<SearchHit>, SearchError> {
        let statement = match kind {
            ComplexityKind::Time => sql::BY_TIME,
            ComplexityKind::Space => sql::BY_SPACE,
        };
        let mut tx = self.read().await?;
        let rows = sqlx::query(statement)
            .bind(user.as_uuid())
            .bind(notation)
            .bind(limit.clamp(1, MAX_LIMIT) as i64)
            .fetch_all(&mut *tx)
            .await?;
        tx.rollback().await?;
        Ok(rows
            .iter()
            .map(|row| hit(row, 1.0))
            .collect::<Result<_, _>>()?)
    }

    async fn neighbours(
        &self,
        user: UserId,
        snippet: SnippetId,
        limit: usize,
    ) -> Result<Option<Vec<SearchHit>>, SearchError> {
        let source: Option<(Vec<f32>, String)> = {
            let mut tx = self.read().await?;
            let source = sqlx::query_as(sql::SOURCE)
                .bind(snippet.as_uuid())
                .bind(user.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
            tx.rollback().await?;
            source
        };
        let Some((embedding, space)) = source else {
            return Ok(None);
        };
        let query = SemanticQuery {
            embedding: Some(embedding),
            vector_space: Some(space),
            exclude: Some(snippet),
            limit,
            ..SemanticQuery::default()
        };
        Ok(Some(self.rank(user, &query).await?))
    }
}

/// The similarity of a question's embedding to a stored vector: 0 when another embedder than the
/// question's wrote it (its meaning is not comparable; its words still match) until
/// `deploy graph resync` re-embeds it. A vector written before embedders were recorded (empty)
/// is compared as before, so upgrading a stack does not empty its searches.
fn similarity(query: &SemanticQuery, embedding: &[f32], vector: &Vector) -> f64 {
    match &query.vector_space {
        Some(space) if !vector.space.is_empty() && **space != *vector.space => 0.0,
        _ => cosine(embedding, &vector.values),
    }
}

/// A filtered statement with its first seven parameters bound.
fn filtered<'q>(
    statement: &'static str,
    user: UserId,
    query: &'q SemanticQuery,
) -> Query<'q, Postgres, PgArguments> {
    let filters = &query.filters;
    sqlx::query(statement)
        .bind(user.as_uuid())
        .bind(filters.language.as_deref())
        .bind(filters.starred_only)
        .bind(filters.complexity_class)
        .bind(filters.is_space())
        .bind(&filters.patterns)
        .bind(query.exclude.map(|id| id.as_uuid()))
}

/// Keeps a value within its `varchar(50)` column.
fn clip(value: String) -> String {
    if value.chars().count() <= NOTATION_CHARS {
        value
    } else {
        value.chars().take(NOTATION_CHARS).collect()
    }
}

/// The score of a filtered row: `similarity` plus its pattern and starred boosts.
fn boosted(row: &PgRow, similarity: f64) -> Result<f64, sqlx::Error> {
    Ok(score(
        similarity,
        row.try_get("matched")?,
        row.try_get("is_starred")?,
    ))
}

fn hit(row: &PgRow, score: f64) -> Result<SearchHit, sqlx::Error> {
    Ok(SearchHit {
        snippet_id: SnippetId::from_uuid(row.try_get("snippet_id")?),
        title: row.try_get("title")?,
        language: row.try_get("language")?,
        description: row.try_get("description")?,
        time_complexity: row.try_get("time_complexity")?,
        space_complexity: row.try_get("space_complexity")?,
        score,
    })
}

impl SearchBackend for PgSearch {
    fn kind(&self) -> BackendKind {
        BackendKind::Postgres
    }

    fn upsert<'a>(
        &'a self,
        document: &'a SnippetDocument,
    ) -> BoxFuture<'a, Result<(), SearchError>> {
        Box::pin(self.write(document))
    }

    fn delete(&self, snippet: SnippetId) -> BoxFuture<'_, Result<(), SearchError>> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            let owner: Option<Uuid> = sqlx::query_scalar(sql::DELETE)
                .bind(snippet.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(owner) = owner {
                sqlx::query(sql::BUMP_GENERATION)
                    .bind(owner)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn search<'a>(
        &'a self,
        user: UserId,
        query: &'a SemanticQuery,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SearchError>> {
        Box::pin(self.rank(user, query))
    }

    fn by_complexity<'a>(
        &'a self,
        user: UserId,
        kind: ComplexityKind,
        notation: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SearchError>> {
        Box::pin(self.complexity(user, kind, notation, limit))
    }

    fn similar(
        &self,
        user: UserId,
        snippet: SnippetId,
        limit: usize,
    ) -> BoxFuture<'_, Result<Option<Vec<SearchHit>>, SearchError>> {
        Box::pin(self.neighbours(user, snippet, limit))
    }

    fn ranking(&self) -> BoxFuture<'_, Result<&'static str, SearchError>> {
        Box::pin(async move {
            Ok(if self.pgvector {
                "pgvector and full text"
            } else {
                "exact scan and full text"
            })
        })
    }

    fn vector_spaces(&self) -> BoxFuture<'_, Result<Vec<(String, u64)>, SearchError>> {
        Box::pin(async move {
            let rows: Vec<(String, i64)> = sqlx::query_as(sql::VECTOR_SPACES)
                .fetch_all(&self.pool)
                .await?;
            Ok(rows
                .into_iter()
                .map(|(space, count)| (space, u64::try_from(count).unwrap_or(0)))
                .collect())
        })
    }

    fn document_ids(&self) -> BoxFuture<'_, Result<Vec<SnippetId>, SearchError>> {
        Box::pin(async move {
            let ids: Vec<Uuid> = sqlx::query_scalar(sql::DOCUMENT_IDS)
                .fetch_all(&self.pool)
                .await?;
            Ok(ids.into_iter().map(SnippetId::from_uuid).collect())
        })
    }

    fn ping(&self) -> BoxFuture<'_, bool> {
        Box::pin(async move { sqlx::query("SELECT 1").execute(&self.pool).await.is_ok() })
    }
}
