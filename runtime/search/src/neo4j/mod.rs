//! The neo4j backend: the graph of docs/data.md (users, snippets, languages, complexities, patterns)
//! with the `snippet_embedding` vector index, written with MERGE-based upserts.
//!
//! All Cypher is in [`cypher`]. Writes run in one transaction per snippet; questions run through
//! read statements (checked by the module's tests) under a client-side timeout.

pub mod cypher;

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use code_remote_analysis::intent::ComplexityKind;
use code_remote_config::Neo4jCredentials;
use code_remote_domain::{SnippetId, UserId};
use futures_util::future::BoxFuture;
use neo4rs::{ConfigBuilder, Graph, Row};
use secrecy::ExposeSecret;
use tokio::sync::OnceCell;

use crate::backend::{BackendKind, SearchBackend};
use crate::document::{SearchHit, SemanticQuery, SnippetDocument};
use crate::rank::{cosine, fuse, fuse_hits, WordMatch};
use crate::{SearchError, MAX_LIMIT};
use cypher::Statement;

/// How long a finding that the search indexes are missing stands before it is checked again.
pub const INDEX_RECHECK: Duration = Duration::from_secs(60);

/// Default timeout of every request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The neo4j search backend.
#[derive(Clone)]
pub struct Neo4jSearch {
    graph: Arc<Graph>,
    timeout: Duration,
    indexed: Arc<OnceCell<()>>,
    missing_since: Arc<Mutex<Option<Instant>>>,
}

impl std::fmt::Debug for Neo4jSearch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Neo4jSearch")
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Neo4jSearch {
    /// Connects a pool to the server `config` names (the driver connects lazily on first use).
    pub async fn connect(config: &Neo4jCredentials) -> Result<Self, SearchError> {
        let mut builder = ConfigBuilder::default()
            .uri(config.uri.as_str())
            .user(config.user.as_str())
            .password(config.password.expose_secret())
            .max_connections(8);
        if let Some(database) = &config.database {
            builder = builder.db(database.as_str());
        }
        let graph = Graph::connect(builder.build()?).await?;
        Ok(Self {
            graph: Arc::new(graph),
            timeout: DEFAULT_TIMEOUT,
            indexed: Arc::new(OnceCell::new()),
            missing_since: Arc::new(Mutex::new(None)),
        })
    }

    /// Whether the server has both search indexes. Found once present, it is not asked again;
    /// found missing (a Bolt server that is not Neo4j, or migrations still running), it is asked
    /// again after [`INDEX_RECHECK`], so a process started before the indexes uses them later.
    /// Without them questions are ranked exactly, in Rust ([`cypher::EXACT`]).
    async fn indexed(&self) -> Result<bool, SearchError> {
        if self.indexed.initialized() {
            return Ok(true);
        }
        let recently_missing = self
            .missing_since
            .lock()
            .ok()
            .and_then(|at| *at)
            .is_some_and(|at| at.elapsed() < INDEX_RECHECK);
        if recently_missing {
            return Ok(false);
        }
        let names: Vec<String> = self
            .rows(cypher::indexes())
            .await?
            .iter()
            .filter_map(|row| row.get::<String>("name").ok())
            .collect();
        let indexed = ["snippet_embedding", "snippet_text"]
            .iter()
            .all(|wanted| names.iter().any(|name| name == wanted));
        if indexed {
            let _ = self.indexed.set(());
        } else {
            tracing::warn!(
                indexes = ?names,
                "no snippet_embedding and snippet_text indexes: questions are ranked by an exact scan"
            );
            if let Ok(mut at) = self.missing_since.lock() {
                *at = Some(Instant::now());
            }
        }
        Ok(indexed)
    }

    /// A question ranked without the indexes: every candidate's cosine similarity (when its
    /// vector is of the question's embedder) and word coverage, fused as the index path does.
    async fn rank_exact(
        &self,
        user: UserId,
        query: &SemanticQuery,
    ) -> Result<Vec<SearchHit>, SearchError> {
        let field = |err: neo4rs::DeError| SearchError::Neo4jRow(err.to_string());
        let mut hits = Vec::new();
        for row in self.rows(cypher::exact(user, query)).await? {
            let boost: f64 = row.get("boost").map_err(field)?;
            let coverage: f64 = row.get("coverage").map_err(field)?;
            let text = coverage * coverage;
            let mut hit = hit_with_score(&row, boost)?;
            if query.exclude == Some(hit.snippet_id) {
                continue;
            }
            match &query.embedding {
                Some(question) => {
                    let written_by: Option<String> = row.get("embedder").map_err(field)?;
                    let comparable = query.vector_space.is_none()
                        || written_by.is_none()
                        || written_by.as_deref() == query.vector_space.as_deref();
                    let embedding: Option<Vec<f64>> = row.get("embedding").map_err(field)?;
                    let similarity = match embedding.filter(|_| comparable) {
                        Some(vector) => {
                            let vector: Vec<f32> = vector.into_iter().map(|x| x as f32).collect();
                            cosine(question, &vector)
                        }
                        None => 0.0,
                    };
                    hit.score += fuse(similarity, text);
                }
                None if text > 0.0 => hit.score += text,
                None => continue,
            }
            hits.push(hit);
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits.truncate(query.limit.clamp(1, MAX_LIMIT));
        Ok(hits)
    }

    async fn bounded<T>(
        &self,
        work: impl Future<Output = Result<T, SearchError>>,
    ) -> Result<T, SearchError> {
        tokio::time::timeout(self.timeout, work)
            .await
            .map_err(|_| SearchError::Timeout(self.timeout))?
    }

    async fn rows(&self, statement: Statement) -> Result<Vec<Row>, SearchError> {
        self.bounded(async {
            let mut stream = self.graph.execute(statement.into_query()).await?;
            let mut rows = Vec::new();
            while let Some(row) = stream.next().await? {
                rows.push(row);
            }
            Ok(rows)
        })
        .await
    }

    async fn hits(&self, statement: Statement) -> Result<Vec<SearchHit>, SearchError> {
        self.rows(statement).await?.iter().map(hit).collect()
    }

    /// Writes a document in one transaction, again when it lost a race: two snippets of one new
    /// user synced at once both `MERGE` the user, and a server that does not lock on `MERGE`
    /// (ArcadeDB) refuses the second commit with a uniqueness violation; the retry then finds
    /// the user. Neo4j's transient errors are retried the same way.
    async fn write(&self, document: &SnippetDocument) -> Result<(), SearchError> {
        const ATTEMPTS: u32 = 6;
        let mut attempt = 1;
        loop {
            match self.write_once(document).await {
                Err(err) if attempt < ATTEMPTS && lost_a_race(&err) => {
                    tracing::info!(snippet = %document.snippet_id, attempt, error = %err,
                        "write lost a race; retrying");
                    tokio::time::sleep(Duration::from_millis(20 << attempt)).await;
                    attempt += 1;
                }
                outcome => return outcome,
            }
        }
    }

    async fn write_once(&self, document: &SnippetDocument) -> Result<(), SearchError> {
        let [node, edges, star] = cypher::upsert(document);
        self.bounded(async {
            let mut txn = self.graph.start_txn().await?;
            let mut written = txn.execute(node.into_query()).await?;
            let wrote = written.next(txn.handle()).await?.is_some();
            if !wrote {
                txn.rollback().await?;
                tracing::info!(snippet = %document.snippet_id, "a newer node is stored; skipped");
                return Ok(());
            }
            txn.run(edges.into_query()).await?;
            txn.run(star.into_query()).await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    async fn neighbours(
        &self,
        user: UserId,
        snippet: SnippetId,
        limit: usize,
    ) -> Result<Option<Vec<SearchHit>>, SearchError> {
        let rows = self.rows(cypher::source_embedding(user, snippet)).await?;
        let indexed = self.indexed().await?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let embedding: Vec<f64> = row
            .get("embedding")
            .map_err(|err| SearchError::Neo4jRow(err.to_string()))?;
        let written_by: Option<String> = row
            .get("embedder")
            .map_err(|err| SearchError::Neo4jRow(err.to_string()))?;
        let query = SemanticQuery {
            embedding: Some(embedding.into_iter().map(|x| x as f32).collect()),
            vector_space: written_by,
            exclude: Some(snippet),
            limit,
            ..SemanticQuery::default()
        };
        if !indexed {
            return Ok(Some(self.rank_exact(user, &query).await?));
        }
        Ok(Some(self.hits(cypher::search(user, &query)).await?))
    }

    /// A question answered by the vector (or structured) statement and the word matches, fused.
    async fn rank(
        &self,
        user: UserId,
        query: &SemanticQuery,
    ) -> Result<Vec<SearchHit>, SearchError> {
        let free_text = query.embedding.is_some() || query.text.is_some();
        if free_text && !self.indexed().await? {
            return self.rank_exact(user, query).await;
        }
        let words = match cypher::full_text(user, query) {
            Some(statement) => self
                .rows(statement)
                .await?
                .iter()
                .map(|row| word_match(row, query.vector_space.as_deref()))
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let ranked = if query.embedding.is_some() || query.text.is_none() {
            self.hits(cypher::search(user, query)).await?
        } else {
            Vec::new()
        };
        Ok(fuse_hits(
            ranked,
            words,
            query.embedding.as_deref(),
            query.limit.clamp(1, MAX_LIMIT),
        ))
    }
}

/// Whether a write failed only because a concurrent one got there first (see
/// `Neo4jSearch::write`): a uniqueness violation from a `MERGE` race, Neo4j's transient errors,
/// or ArcadeDB's concurrent-modification conflicts, which ArcadeDB also reports as an entity not
/// found while another transaction rewrites the same user's vertex (its message starts "Error
/// executing Cypher command"). A node gone missing on Neo4j is not retried: a concurrent delete
/// must win, not be undone from a document read before it; the queue retries the message
/// instead.
fn lost_a_race(err: &SearchError) -> bool {
    let text = err.to_string();
    let arcade_conflict =
        text.contains("EntityNotFound") && text.contains("Error executing Cypher command");
    matches!(err, SearchError::Neo4j(_))
        && (arcade_conflict
            || [
                "ConstraintValidationFailed",
                "TransientError",
                "ConcurrentModification",
            ]
            .iter()
            .any(|race| text.contains(race)))
}

/// A row of [`cypher::FULL_TEXT`]; its vector only when `vector_space` (if any) wrote it.
fn word_match(row: &Row, vector_space: Option<&str>) -> Result<WordMatch, SearchError> {
    let field = |err: neo4rs::DeError| SearchError::Neo4jRow(err.to_string());
    let written_by: Option<String> = row.get("embedder").map_err(field)?;
    let embedding: Option<Vec<f64>> = row.get("embedding").map_err(field)?;
    let embedding = embedding.filter(|_| {
        vector_space.is_none() || written_by.is_none() || written_by.as_deref() == vector_space
    });
    Ok(WordMatch {
        hit: hit_with_score(row, row.get("boost").map_err(field)?)?,
        text: row.get("text").map_err(field)?,
        embedding: embedding.map(|v| v.into_iter().map(|x| x as f32).collect()),
    })
}

fn hit(row: &Row) -> Result<SearchHit, SearchError> {
    let score = row
        .get("score")
        .map_err(|err| SearchError::Neo4jRow(err.to_string()))?;
    hit_with_score(row, score)
}

fn hit_with_score(row: &Row, score: f64) -> Result<SearchHit, SearchError> {
    let field = |err: neo4rs::DeError| SearchError::Neo4jRow(err.to_string());
    let id: String = row.get("snippet_id").map_err(field)?;
    let id = uuid::Uuid::parse_str(&id)
        .map_err(|err| SearchError::Neo4jRow(format!("snippet id {id:?}: {err}")))?;
    Ok(SearchHit {
        snippet_id: SnippetId::from_uuid(id),
        title: row.get("title").map_err(field)?,
        language: row.get("language").map_err(field)?,
        description: row.get("description").map_err(field)?,
        time_complexity: row.get("time_complexity").map_err(field)?,
        space_complexity: row.get("space_complexity").map_err(field)?,
        score,
    })
}

impl SearchBackend for Neo4jSearch {
    fn kind(&self) -> BackendKind {
        BackendKind::Neo4j
    }

    fn upsert<'a>(
        &'a self,
        document: &'a SnippetDocument,
    ) -> BoxFuture<'a, Result<(), SearchError>> {
        Box::pin(self.write(document))
    }

    fn delete(&self, snippet: SnippetId) -> BoxFuture<'_, Result<(), SearchError>> {
        Box::pin(async move {
            self.bounded(async {
                self.graph.run(cypher::delete(snippet).into_query()).await?;
                Ok(())
            })
            .await
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
        Box::pin(self.hits(cypher::by_complexity(user, kind, notation, limit)))
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
            Ok(if self.indexed().await? {
                "vector and full-text indexes"
            } else {
                "exact scan and word coverage (no vector or full-text index on this server)"
            })
        })
    }

    fn vector_spaces(&self) -> BoxFuture<'_, Result<Vec<(String, u64)>, SearchError>> {
        Box::pin(async move {
            let field = |err: neo4rs::DeError| SearchError::Neo4jRow(err.to_string());
            self.rows(cypher::vector_spaces())
                .await?
                .iter()
                .map(|row| {
                    let count: i64 = row.get("documents").map_err(field)?;
                    Ok((
                        row.get("embedder").map_err(field)?,
                        u64::try_from(count).unwrap_or(0),
                    ))
                })
                .collect()
        })
    }

    fn document_ids(&self) -> BoxFuture<'_, Result<Vec<SnippetId>, SearchError>> {
        Box::pin(async move {
            let rows = self.rows(cypher::document_ids()).await?;
            Ok(rows
                .iter()
                .filter_map(|row| row.get::<String>("id").ok())
                .filter_map(|id| uuid::Uuid::parse_str(&id).ok())
                .map(SnippetId::from_uuid)
                .collect())
        })
    }

    fn ping(&self) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            self.rows(Statement {
                text: "RETURN 1 AS one",
                params: Vec::new(),
            })
            .await
            .is_ok()
        })
    }
}
