//! The name of every environment variable a Code Remote function reads, once.
//!
//! The loaders in this crate read these names, the infra program writes them into each
//! function's environment and the local stack sets them for its processes; nobody spells a name
//! out again, so a rename cannot leave one side behind (docs/architecture.md, "The stack contract").

/// A `postgres://` URL (local stacks, tests).
pub const DATABASE_URL: &str = "DATABASE_URL";
/// The RDS-managed secret `{username, password}` (AWS).
pub const DATABASE_SECRET_ARN: &str = "DATABASE_SECRET_ARN";
/// The cluster endpoint, when the secret lacks a host.
pub const DATABASE_HOST: &str = "DATABASE_HOST";
/// The database name, when the secret lacks one.
pub const DATABASE_NAME: &str = "DATABASE_NAME";
/// The port, when the secret lacks one (default 5432).
pub const DATABASE_PORT: &str = "DATABASE_PORT";
/// The pool size per process.
pub const DATABASE_MAX_CONNECTIONS: &str = "DATABASE_MAX_CONNECTIONS";
/// The Cognito app client id (the token audience).
pub const COGNITO_CLIENT_ID: &str = "COGNITO_CLIENT_ID";
/// The expected token issuer.
pub const COGNITO_ISSUER: &str = "COGNITO_ISSUER";
/// The user pool id (builds the issuer when `COGNITO_ISSUER` is unset).
pub const COGNITO_USER_POOL_ID: &str = "COGNITO_USER_POOL_ID";
/// The pool's region when it differs from `AWS_REGION`.
pub const COGNITO_REGION: &str = "COGNITO_REGION";
/// Where the pool's signing keys are served.
pub const COGNITO_JWKS_URL: &str = "COGNITO_JWKS_URL";
/// The SQS FIFO queue of execution jobs.
pub const EXECUTION_QUEUE_URL: &str = "EXECUTION_QUEUE_URL";
/// The SQS FIFO queue of snippet-sync events.
pub const SYNC_QUEUE_URL: &str = "SYNC_QUEUE_URL";
/// The API Gateway Management API of the WebSocket stage.
pub const WEBSOCKET_MANAGEMENT_URL: &str = "WEBSOCKET_MANAGEMENT_URL";
/// Browser origins allowed to call the API.
pub const CORS_ALLOWED_ORIGINS: &str = "CORS_ALLOWED_ORIGINS";
/// Where the API listens outside Lambda.
pub const LISTEN_ADDR: &str = "LISTEN_ADDR";
/// The built web app the local API serves.
pub const FRONTEND_DIR: &str = "FRONTEND_DIR";
/// The interpreter the sandbox runs.
pub const SANDBOX_PYTHON: &str = "SANDBOX_PYTHON";
/// What confines the sandbox's files: auto (default), landlock, supervisor or none.
pub const SANDBOX_FILE_CONFINEMENT: &str = "SANDBOX_FILE_CONFINEMENT";
/// `postgres` or `neo4j`.
pub const SEARCH_BACKEND: &str = "SEARCH_BACKEND";
/// Neo4j's Bolt URI (local runs, tests).
pub const NEO4J_URI: &str = "NEO4J_URI";
/// Neo4j's user.
pub const NEO4J_USER: &str = "NEO4J_USER";
/// Neo4j's password.
pub const NEO4J_PASSWORD: &str = "NEO4J_PASSWORD";
/// Neo4j's database.
pub const NEO4J_DATABASE: &str = "NEO4J_DATABASE";
/// A secret `{uri, username, password, database}` holding the Neo4j credentials (AWS).
pub const NEO4J_SECRET_ARN: &str = "NEO4J_SECRET_ARN";
/// A Gemini API key given directly (local runs).
pub const GEMINI_API_KEY: &str = "GEMINI_API_KEY";
/// The secret holding the Gemini API key (AWS); empty means the offline providers.
pub const GEMINI_API_KEY_SECRET_ARN: &str = "GEMINI_API_KEY_SECRET_ARN";
/// The Gemini model that explains complexity.
pub const ANALYSIS_MODEL: &str = "ANALYSIS_MODEL";
/// The Gemini embedding model.
pub const EMBEDDING_MODEL: &str = "EMBEDDING_MODEL";
/// The stack's embedding dimension (search tables and the Neo4j vector index).
pub const EMBEDDING_DIMENSIONS: &str = "EMBEDDING_DIMENSIONS";
/// The directory of the offline semantic embedder (all-MiniLM-L6-v2: `tokenizer.json` and
/// `model.safetensors`); unset, the offline embedder is the hashed one.
pub const OFFLINE_EMBEDDING_MODEL_DIR: &str = "OFFLINE_EMBEDDING_MODEL_DIR";
/// Set by Lambda: the Runtime API's address (its presence means "running in Lambda").
pub const AWS_LAMBDA_RUNTIME_API: &str = "AWS_LAMBDA_RUNTIME_API";
/// Set by Lambda: the function's region.
pub const AWS_REGION: &str = "AWS_REGION";
/// Read by Lambda's managed runtimes, not by us: the script that starts the worker's bootstrap
/// in place of the runtime's own (docs/architecture.md, "Python in the worker Lambda").
pub const AWS_LAMBDA_EXEC_WRAPPER: &str = "AWS_LAMBDA_EXEC_WRAPPER";
