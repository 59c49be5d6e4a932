//! What the analysis and search routes need beyond the core state: the analyzer and embedder, the
//! search backend, the sync queue that every snippet write notifies, and the WebSocket pusher that
//! streams `/analyze/async` chunks.

use std::sync::Arc;

use code_remote_analysis::{Analyzer, Embedder, HashedEmbedder, OfflineAnalyzer};
use code_remote_domain::{SnippetId, UserId};
use code_remote_queue::{SyncEvent, SyncEventType, SyncQueue};
use code_remote_search::SearchBackend;
use code_remote_ws::Pusher;

/// Analysis, search and sync services of the API. The default has the offline providers and no
/// backend, queue or pusher: search answers 503, writes are not synced, and async analysis is
/// refused.
#[derive(Clone)]
pub struct SearchServices {
    /// Complexity analysis.
    pub analyzer: Arc<dyn Analyzer>,
    /// Query and document embeddings.
    pub embedder: Arc<dyn Embedder>,
    /// The configured search backend.
    pub backend: Option<Arc<dyn SearchBackend>>,
    /// The snippet-sync queue.
    pub sync: Option<SyncQueue>,
    /// Pushes `analysis_stream_*` frames to WebSocket connections.
    pub pusher: Option<Pusher>,
}

impl Default for SearchServices {
    fn default() -> Self {
        Self {
            analyzer: Arc::new(OfflineAnalyzer),
            embedder: Arc::new(HashedEmbedder::default()),
            backend: None,
            sync: None,
            pusher: None,
        }
    }
}

impl SearchServices {
    /// Tells the sync worker that a snippet changed. A failed send is logged, not answered: the
    /// write itself succeeded, and `deploy graph resync` repairs a missed event.
    pub async fn notify(&self, event_type: SyncEventType, snippet: SnippetId, user: UserId) {
        let Some(queue) = &self.sync else {
            return;
        };
        let event = SyncEvent::now(event_type, snippet, user);
        if let Err(err) = queue.send(&event).await {
            tracing::error!(snippet = %snippet, error = %err, "sending the sync event failed");
        }
    }
}

/// Why the services could not be loaded; the process stops with the message.
#[derive(Debug, thiserror::Error)]
pub enum ServicesLoadError {
    /// A variable is missing or malformed.
    #[error(transparent)]
    Config(#[from] code_remote_config::ConfigError),
    /// A provider or the backend could not be built.
    #[error(transparent)]
    Build(#[from] code_remote_sync::services::ServicesError),
}

/// Loads the services from the environment: `GEMINI_API_KEY` / `GEMINI_API_KEY_SECRET_ARN`,
/// `GEMINI_MODEL`, `EMBEDDING_DIMENSIONS`, `SEARCH_BACKEND` and `NEO4J_*`, `SYNC_QUEUE_URL`
/// (writes are not synced without it), and `WEBSOCKET_MANAGEMENT_URL` for analysis streaming,
/// which defaults to `local_management_url` (the local API's own Management API) when given.
pub async fn load_services(
    env: &code_remote_config::Env,
    aws: &aws_config::SdkConfig,
    store: &code_remote_store::Store,
    local_management_url: Option<String>,
) -> Result<SearchServices, ServicesLoadError> {
    let analysis = code_remote_config::AnalysisSettings::load(env)?;
    let search = code_remote_config::SearchSettings::load(env)?;
    let sync = code_remote_config::SyncQueueConfig::load_optional(env)?;
    let management = match code_remote_config::PushConfig::load(env) {
        Ok(push) => Some(push.management_url),
        Err(code_remote_config::ConfigError::Missing(_)) => local_management_url,
        Err(err) => return Err(err.into()),
    };
    let providers = code_remote_sync::services::providers(&analysis, aws).await?;
    let backend = code_remote_sync::services::backend(&search, store.pool().clone()).await?;
    if sync.is_none() {
        tracing::warn!(
            "SYNC_QUEUE_URL is not set: snippet writes will not reach the search backend"
        );
    }
    Ok(SearchServices {
        analyzer: providers.analyzer,
        embedder: providers.embedder,
        backend: Some(backend),
        sync: sync.map(|sync| SyncQueue::new(aws_sdk_sqs::Client::new(aws), sync.sync_queue_url)),
        pusher: management.map(|url| Pusher::new(aws, &url)),
    })
}

/// The URL of this process's own Management API when it listens on `listen` (outside Lambda).
pub fn local_management_url(listen: std::net::SocketAddr) -> String {
    let host = if listen.ip().is_unspecified() {
        std::net::IpAddr::from([127, 0, 0, 1])
    } else {
        listen.ip()
    };
    format!("http://{}", std::net::SocketAddr::new(host, listen.port()))
}
