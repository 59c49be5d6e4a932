//! [`spawn_app`]: the API over real parts, for the integration and end-to-end suites.
//!
//! Every suite that drives the API (its route tests, the sync worker's, the end-to-end crate's)
//! starts it here, so a new piece of the app's state is wired once: a fresh migrated database,
//! moto's Cognito user pool and verifier, the execution queue with its dead-letter queue on either
//! engine, the API served on a loopback port with its local WebSocket gateway and Management API.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use code_remote_analysis::Embedder;
use code_remote_api::{router, AppState, SearchServices};
use code_remote_auth::Verifier;
use code_remote_config::CorsOrigins;
use code_remote_ephemeral_postgres::TestDatabase;
use code_remote_moto::{Cognito, MotoServer, UserPool};
use code_remote_queue::{postgres, sqs, ExecutionQueue, FifoPair, Queue, SyncQueue};
use code_remote_search::PgSearch;
use code_remote_store::Store;
use code_remote_ws::Pusher;
use tokio::task::JoinHandle;

/// Which engine a test app's queues run on (docs/queues.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueEngine {
    /// The PostgreSQL engine, in the app's own database (local stacks' default).
    Postgres,
    /// moto's SQS (what a deployed stack has).
    Sqs,
}

/// What a test app has beyond the parts every one has.
#[derive(Clone)]
pub struct AppOptions {
    /// The engine of the execution queue, its dead-letter queue and the sync queue.
    pub engine: QueueEngine,
    /// How long a received message stays invisible; a killed consumer's message reappears after it.
    pub visibility_timeout: Duration,
    /// Receives before a message is moved to the dead-letter queue.
    pub max_receive_count: u32,
    /// The API searches the app's database (the `postgres` backend, as a `dev` stack has it).
    pub search: bool,
    /// The API tells a sync queue about snippet changes ([`TestApp::sync`]).
    pub sync_queue: bool,
    /// The embedder the API embeds questions with; the API's default when `None`.
    pub embedder: Option<Arc<dyn Embedder>>,
    /// Origins the API allows; the API's default when `None`.
    pub cors: Option<CorsOrigins>,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            engine: QueueEngine::Sqs,
            visibility_timeout: Duration::from_secs(3),
            max_receive_count: 2,
            search: false,
            sync_queue: false,
            embedder: None,
            cors: None,
        }
    }
}

/// A user pool in moto's Cognito, to sign users in.
pub struct Users {
    cognito: Cognito,
    /// The pool and the web app's client in it.
    pub pool: UserPool,
}

impl Users {
    /// A fresh user's ID token.
    pub async fn token(&self) -> String {
        self.cognito
            .new_user_token(&self.pool)
            .await
            .unwrap_or_else(|err| panic!("signing a test user in failed: {err}"))
    }
}

/// A running API and the parts it was built over.
pub struct TestApp {
    /// Base URL of the API, e.g. `http://127.0.0.1:4312`.
    pub url: String,
    /// The router being served, for requests that need no socket.
    pub router: Router,
    /// The store over the app's database.
    pub store: Store,
    /// The execution queue, as the API sends to it.
    pub queue: ExecutionQueue,
    /// Its dead-letter queue.
    pub dead_letters: Queue,
    /// The sync queue, when [`AppOptions::sync_queue`].
    pub sync: Option<SyncQueue>,
    /// AWS SDK settings for moto.
    pub aws: aws_config::SdkConfig,
    /// The user pool the API verifies tokens of.
    pub users: Users,
    moto_url: String,
    database: TestDatabase,
    server: JoinHandle<()>,
}

/// Starts the API with `options`.
pub async fn spawn_app(options: AppOptions) -> TestApp {
    let (database, pg) = crate::migrated_database().await;
    let store = Store::from_pool(pg);
    let moto = MotoServer::shared()
        .await
        .unwrap_or_else(|err| panic!("starting moto failed: {err}"));
    let cognito = Cognito::new(moto);
    let pool = cognito
        .create_pool()
        .await
        .unwrap_or_else(|err| panic!("creating a user pool failed: {err}"));
    let aws = moto.sdk_config().await;
    let queues = Queues {
        engine: options.engine,
        sqs: aws_sdk_sqs::Client::new(&aws),
        store: &store,
    };
    let (queue, dead_letters) = queues.pair("exec", &options).await;
    let sync = match options.sync_queue {
        true => Some(SyncQueue::new(queues.pair("sync", &options).await.0)),
        false => None,
    };
    let queue = ExecutionQueue::new(queue);
    let verifier = Arc::new(Verifier::new(
        &pool.cognito_config(),
        reqwest::Client::new(),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|err| panic!("binding a loopback port failed: {err}"));
    let url = format!(
        "http://{}",
        listener
            .local_addr()
            .unwrap_or_else(|err| panic!("the listener has no address: {err}"))
    );
    let mut services = SearchServices {
        sync: sync.clone(),
        pusher: Some(Pusher::new(&aws, &url)),
        ..SearchServices::default()
    };
    if options.search {
        let search = PgSearch::new(store.pool().clone())
            .await
            .unwrap_or_else(|err| panic!("starting the search backend failed: {err}"));
        services.backend = Some(Arc::new(search));
        services.search_name = "postgres";
    }
    if let Some(embedder) = options.embedder {
        services.embedder = embedder;
    }
    let mut state = AppState::builder(store.clone(), verifier, queue.clone())
        .local_gateway(code_remote_moto::ACCESS_KEY_ID)
        .services(services);
    if let Some(cors) = options.cors {
        state = state.cors(cors);
    }
    let router = router(state.build());
    let served = router.clone();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, served).await;
    });
    TestApp {
        url,
        router,
        store,
        queue,
        dead_letters,
        sync,
        aws,
        users: Users { cognito, pool },
        moto_url: moto.url().to_owned(),
        database,
        server,
    }
}

impl TestApp {
    /// A fresh user's ID token.
    pub async fn token(&self) -> String {
        self.users.token().await
    }

    /// The environment a separate `api` or `worker` process needs to join this app.
    pub fn process_env(&self) -> Vec<(&'static str, String)> {
        let pool = &self.users.pool;
        vec![
            ("DATABASE_URL", self.database.url().to_owned()),
            ("COGNITO_CLIENT_ID", pool.client_id.clone()),
            ("COGNITO_ISSUER", pool.issuer.clone()),
            ("COGNITO_JWKS_URL", pool.jwks_url.clone()),
            (
                "EXECUTION_QUEUE_URL",
                self.queue.queue().address().to_string(),
            ),
            ("WEBSOCKET_MANAGEMENT_URL", self.url.clone()),
            ("AWS_ENDPOINT_URL", self.moto_url.clone()),
            ("AWS_REGION", code_remote_moto::REGION.to_owned()),
            (
                "AWS_ACCESS_KEY_ID",
                code_remote_moto::ACCESS_KEY_ID.to_owned(),
            ),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
        ]
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Where a test app's queues are created.
struct Queues<'a> {
    engine: QueueEngine,
    sqs: aws_sdk_sqs::Client,
    store: &'a Store,
}

impl Queues<'_> {
    /// A FIFO queue and its dead-letter queue, named apart from other tests' (moto and the
    /// cluster are shared between them).
    async fn pair(&self, prefix: &str, options: &AppOptions) -> (Queue, Queue) {
        let pair = FifoPair {
            base: format!("{prefix}-{}", uuid::Uuid::new_v4().simple()),
            visibility_timeout: options.visibility_timeout,
            max_receive_count: options.max_receive_count,
        };
        let pool = self.store.pool();
        let (queue, dead_letters) = match self.engine {
            QueueEngine::Sqs => sqs::create_fifo_pair(&self.sqs, &pair).await,
            QueueEngine::Postgres => {
                postgres::install(pool)
                    .await
                    .unwrap_or_else(|err| panic!("installing the queue engine failed: {err}"));
                postgres::create_fifo_pair(pool, &pair).await
            }
        }
        .unwrap_or_else(|err| panic!("creating the {prefix} queues failed: {err}"));
        let open = |address| Queue::open(address, || self.sqs.clone(), pool);
        let opened = |err| panic!("opening a {prefix} queue failed: {err}");
        (
            open(&queue).await.unwrap_or_else(opened),
            open(&dead_letters).await.unwrap_or_else(opened),
        )
    }
}
