//! What the analysis and search routes need beyond the core state: the analyzer and embedder, the
//! search backend, the sync queue that every snippet write notifies, and the WebSocket pusher that
//! streams `/analyze/async` chunks.

use std::sync::Arc;

use code_remote_analysis::{Analyzer, Embedder, HashedEmbedder, OfflineAnalyzer};
use code_remote_domain::{SnippetId, UserId};
use code_remote_queue::{Queue, SyncEvent, SyncEventType, SyncQueue};
use code_remote_search::SearchBackend;
use code_remote_wiring::AnalysisMode;
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
    /// Gemini or the offline providers, reported by `GET /health?deep=1`.
    pub analysis_mode: AnalysisMode,
    /// The configured backend's name (`postgres`, `neo4j`), reported by `GET /health?deep=1`.
    pub search_name: &'static str,
}

impl Default for SearchServices {
    fn default() -> Self {
        Self {
            analyzer: Arc::new(OfflineAnalyzer),
            embedder: Arc::new(HashedEmbedder::default()),
            backend: None,
            sync: None,
            pusher: None,
            analysis_mode: AnalysisMode::Offline,
            search_name: "none",
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

/// Loads the services the API's settings describe: the analysis providers, the search backend,
/// the sync queue (writes are not synced without one) and, for analysis streaming, the
/// Management API of `settings.push`, or `local_management_url` (the local API's own) when unset.
pub async fn load_services(
    settings: &code_remote_config::ApiSettings,
    aws: &aws_config::SdkConfig,
    store: &code_remote_store::Store,
    local_management_url: Option<String>,
) -> Result<SearchServices, code_remote_wiring::ServicesError> {
    let management = settings
        .push
        .as_ref()
        .map(|push| push.management_url.clone())
        .or(local_management_url);
    // The providers (a Gemini secret to read) and the backend (a first query) are independent:
    // a cold start waits for the slower of the two, not their sum.
    let (configured, backend) = tokio::join!(
        code_remote_wiring::providers(&settings.analysis, aws),
        code_remote_wiring::backend(&settings.search, store.pool().clone(), aws)
    );
    let configured = configured?;
    // A stack whose Neo4j secret is still empty keeps running code; only search answers 503
    // (`deploy up` refuses to move traffic to such a stack, so this is a secret emptied later).
    let backend = match backend {
        Ok(backend) => Some(backend),
        Err(err @ code_remote_wiring::ServicesError::Neo4jUnset(_)) => {
            tracing::error!(error = %err, "search is unavailable");
            None
        }
        Err(err) => return Err(err),
    };
    if settings.sync.is_none() {
        tracing::warn!(
            "SYNC_QUEUE_URL is not set: snippet writes will not reach the search backend"
        );
    }
    let sync = match &settings.sync {
        Some(sync) => Some(SyncQueue::new(
            Queue::open(
                &sync.sync_queue,
                || aws_sdk_sqs::Client::new(aws),
                store.pool(),
            )
            .await?,
        )),
        None => None,
    };
    Ok(SearchServices {
        analyzer: configured.providers.analyzer,
        embedder: configured.providers.embedder,
        backend,
        sync,
        pusher: management.map(|url| Pusher::new(aws, &url)),
        analysis_mode: configured.mode,
        search_name: settings.search.backend.as_str(),
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
