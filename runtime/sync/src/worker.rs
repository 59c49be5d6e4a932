//! One event: read the row, analyse if needed, embed, upsert or delete.

use std::sync::Arc;

use code_remote_analysis::{AnalysisError, Analyzer, Embedder, EmbeddingInput};
use code_remote_domain::SnippetId;
use code_remote_queue::sync::{InvalidSyncEvent, SyncEvent};
use code_remote_search::{SearchBackend, SearchError, SnippetDocument};
use code_remote_store::{Store, StoreError, StoredAnalysis, SyncRow};

/// Why an event failed; its message is retried (then dead-lettered).
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The body is not a sync event.
    #[error(transparent)]
    Invalid(#[from] InvalidSyncEvent),
    /// PostgreSQL failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The embedder failed.
    #[error("embedding the snippet failed: {0}")]
    Embed(#[from] AnalysisError),
    /// The embedder answered with no vector.
    #[error("the embedder returned no vector; check EMBEDDING_DIMENSIONS and the provider")]
    NoEmbedding,
    /// The search backend failed.
    #[error(transparent)]
    Search(#[from] SearchError),
}

/// What an event led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncOutcome {
    /// The document was written; `analyzed` says whether the code was analysed first.
    Upserted {
        /// Whether a new analysis was stored.
        analyzed: bool,
    },
    /// The snippet is gone, and so is its document.
    Removed,
}

/// The handler shared by the Lambda, the local poller and resync.
#[derive(Clone)]
pub struct SyncWorker {
    store: Store,
    analyzer: Arc<dyn Analyzer>,
    embedder: Arc<dyn Embedder>,
    backend: Arc<dyn SearchBackend>,
}

impl SyncWorker {
    /// A worker reading `store`, analysing and embedding with the providers, writing `backend`.
    pub fn new(
        store: Store,
        analyzer: Arc<dyn Analyzer>,
        embedder: Arc<dyn Embedder>,
        backend: Arc<dyn SearchBackend>,
    ) -> Self {
        Self {
            store,
            analyzer,
            embedder,
            backend,
        }
    }

    /// The backend this worker writes.
    pub fn backend(&self) -> &Arc<dyn SearchBackend> {
        &self.backend
    }

    /// Handles one message body.
    pub async fn handle(&self, body: &str) -> Result<SyncOutcome, SyncError> {
        let event = SyncEvent::parse(body)?;
        tracing::debug!(snippet = %event.snippet_id, kind = ?event.event_type, "sync event");
        self.sync_snippet(event.snippet_id).await
    }

    /// Brings the document of `id` in line with its current row.
    pub async fn sync_snippet(&self, id: SnippetId) -> Result<SyncOutcome, SyncError> {
        let Some(mut row) = self.store.snippet_for_sync(id).await? else {
            self.backend.delete(id).await?;
            return Ok(SyncOutcome::Removed);
        };
        let mut analyzed = false;
        if row.needs_analysis() {
            if self.analyse(&row).await? {
                analyzed = true;
            }
            match self.store.snippet_for_sync(id).await? {
                Some(current) => row = current,
                None => {
                    self.backend.delete(id).await?;
                    return Ok(SyncOutcome::Removed);
                }
            }
        }
        let document = self.document(&row).await?;
        self.backend.upsert(&document).await?;
        Ok(SyncOutcome::Upserted { analyzed })
    }

    /// Analyses the row's code and stores the result if the row still holds that code.
    async fn analyse(&self, row: &SyncRow) -> Result<bool, SyncError> {
        let analysis = self.analyzer.analyze(&row.code).await;
        if !analysis.success {
            tracing::warn!(
                snippet = %row.id,
                error = analysis.error.as_deref().unwrap_or_default(),
                "analysis failed; the snippet is indexed without complexities"
            );
            return Ok(false);
        }
        let stored = StoredAnalysis {
            time_complexity: analysis.time_complexity,
            space_complexity: analysis.space_complexity,
            narrative: analysis.narrative,
            patterns: analysis.patterns,
            model_used: analysis.model.unwrap_or_else(|| "heuristic".to_owned()),
        };
        Ok(self
            .store
            .store_analysis(row.id, None, &row.code, &stored)
            .await?)
    }

    async fn document(&self, row: &SyncRow) -> Result<SnippetDocument, SyncError> {
        let input = EmbeddingInput {
            title: row.title.as_deref(),
            description: row.description.as_deref(),
            time_complexity: row.time_complexity.as_deref(),
            space_complexity: row.space_complexity.as_deref(),
            code: &row.code,
        }
        .render();
        let embedding = self
            .embedder
            .embed_documents(&[input])
            .await?
            .pop()
            .ok_or(SyncError::NoEmbedding)?;
        Ok(SnippetDocument {
            snippet_id: row.id,
            user_id: row.user_id,
            title: row.title.clone(),
            description: row.description.clone(),
            language: row.language.clone(),
            time_complexity: row.time_complexity.clone(),
            space_complexity: row.space_complexity.clone(),
            patterns: row.patterns.clone(),
            embedding,
            embedder: self.embedder.id(),
            is_starred: row.is_starred,
            updated_at: row.version(),
        })
    }
}

impl code_remote_queue::MessageHandler for SyncWorker {
    type Error = SyncError;

    async fn handle(&self, body: String) -> Result<(), SyncError> {
        SyncWorker::handle(self, &body).await.map(|_| ())
    }
}
