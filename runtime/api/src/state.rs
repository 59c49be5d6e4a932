//! What every request shares: the store, the token verifier, the queue, the sandbox.

use axum::extract::FromRef;
use code_remote_auth::{Claims, Verifier};
use code_remote_config::CorsOrigins;
use code_remote_domain::UserId;
use code_remote_queue::ExecutionQueue;
use code_remote_sandbox::{Sandbox, SandboxConfig};
use code_remote_store::Store;
use code_remote_ws::Connections;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

use crate::fairness::SyncSlots;
use crate::gateway::LocalGateway;
use crate::services::SearchServices;
use crate::ApiError;

/// How long a resolved user is trusted before the store is asked again (which also bounds
/// `last_login` writes to one a minute).
const USER_CACHE_TTL: Duration = Duration::from_secs(60);

/// Cached users beyond this count are dropped all at once, bounding memory.
const USER_CACHE_CAPACITY: usize = 10_000;

/// The sandbox for `POST /execute`, started on first use so that start-up (and a Lambda cold start)
/// does not pay for the interpreter.
pub struct LazySandbox {
    config: SandboxConfig,
    sandbox: OnceCell<Sandbox>,
}

impl LazySandbox {
    /// A sandbox built from `config` when first needed.
    pub fn new(config: SandboxConfig) -> Self {
        Self {
            config,
            sandbox: OnceCell::new(),
        }
    }

    /// The running sandbox, starting it if needed.
    pub async fn get(&self) -> Result<&Sandbox, ApiError> {
        self.sandbox
            .get_or_try_init(|| Sandbox::start(self.config.clone()))
            .await
            .map_err(|err| {
                tracing::error!(error = %err, "the sandbox could not start");
                ApiError::Unavailable("Execution service unavailable")
            })
    }
}

struct Inner {
    store: Store,
    verifier: Arc<Verifier>,
    queue: ExecutionQueue,
    sandbox: LazySandbox,
    cors: CorsOrigins,
    gateway: Option<LocalGateway>,
    users: Mutex<HashMap<String, (UserId, Instant)>>,
    sync_slots: SyncSlots,
}

/// Shared state of the router; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
    services: Arc<SearchServices>,
}

/// Builds an [`AppState`]: the store, the token verifier and the execution queue are required;
/// the rest has defaults (a sandbox with the default configuration started on first use, no
/// CORS origins, no local gateway, offline analysis with search disabled).
pub struct AppStateBuilder {
    store: Store,
    verifier: Arc<Verifier>,
    queue: ExecutionQueue,
    sandbox: Option<LazySandbox>,
    cors: CorsOrigins,
    local_gateway: Option<String>,
    services: SearchServices,
}

impl AppStateBuilder {
    /// The sandbox `POST /execute` runs in.
    pub fn sandbox(mut self, sandbox: LazySandbox) -> Self {
        self.sandbox = Some(sandbox);
        self
    }

    /// The origins the browser may call from.
    pub fn cors(mut self, cors: CorsOrigins) -> Self {
        self.cors = cors;
        self
    }

    /// Serves `GET /ws` and `/@connections/{id}`, accepting pushes signed with `access_key_id`
    /// (the stack's processes' key): only outside AWS, where API Gateway plays that part.
    pub fn local_gateway(mut self, access_key_id: &str) -> Self {
        self.local_gateway = Some(access_key_id.to_owned());
        self
    }

    /// Analysis, search and sync services.
    pub fn services(mut self, services: SearchServices) -> Self {
        self.services = services;
        self
    }

    /// The state.
    pub fn build(self) -> AppState {
        let gateway = self.local_gateway.map(|access_key_id| {
            LocalGateway::new(
                Connections::new(self.verifier.clone(), self.store.clone()),
                &access_key_id,
            )
        });
        AppState {
            inner: Arc::new(Inner {
                store: self.store,
                verifier: self.verifier,
                queue: self.queue,
                sandbox: self
                    .sandbox
                    .unwrap_or_else(|| LazySandbox::new(SandboxConfig::default())),
                cors: self.cors,
                gateway,
                users: Mutex::new(HashMap::new()),
                sync_slots: SyncSlots::default(),
            }),
            services: Arc::new(self.services),
        }
    }
}

impl AppState {
    /// Starts building the state for a router over `store`, verifying tokens with `verifier` and
    /// queueing jobs on `queue`.
    pub fn builder(
        store: Store,
        verifier: Arc<Verifier>,
        queue: ExecutionQueue,
    ) -> AppStateBuilder {
        AppStateBuilder {
            store,
            verifier,
            queue,
            sandbox: None,
            cors: CorsOrigins::List(Vec::new()),
            local_gateway: None,
            services: SearchServices::default(),
        }
    }

    /// Analysis, search and sync services.
    pub fn services(&self) -> &SearchServices {
        &self.services
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The execution queue.
    pub fn queue(&self) -> &ExecutionQueue {
        &self.inner.queue
    }

    /// The sandbox of `POST /execute`.
    pub fn sandbox(&self) -> &LazySandbox {
        &self.inner.sandbox
    }

    /// Each user's `POST /execute` runs in flight in this process.
    pub fn sync_slots(&self) -> &SyncSlots {
        &self.inner.sync_slots
    }

    /// Allowed CORS origins.
    pub fn cors(&self) -> &CorsOrigins {
        &self.inner.cors
    }

    /// The local WebSocket gateway, when enabled.
    pub fn gateway(&self) -> Option<&LocalGateway> {
        self.inner.gateway.as_ref()
    }

    /// The row id of the token's user, creating the row on first sight; cached for a minute.
    pub async fn resolve_user(&self, claims: &Claims) -> Result<UserId, ApiError> {
        if let Ok(users) = self.inner.users.lock() {
            if let Some((id, at)) = users.get(&claims.sub) {
                if at.elapsed() < USER_CACHE_TTL {
                    return Ok(*id);
                }
            }
        }
        let id = self
            .inner
            .store
            .sync_user(
                &claims.sub,
                claims.email.as_deref(),
                claims.username.as_deref(),
            )
            .await?;
        if let Ok(mut users) = self.inner.users.lock() {
            if users.len() >= USER_CACHE_CAPACITY {
                users.clear();
            }
            users.insert(claims.sub.clone(), (id, Instant::now()));
        }
        Ok(id)
    }
}

impl FromRef<AppState> for Arc<Verifier> {
    fn from_ref(state: &AppState) -> Self {
        state.inner.verifier.clone()
    }
}
