//! Configuration of the runtime binaries, read once at start-up.
//!
//! Each binary asks for the sections it needs; a missing or malformed variable stops it with an
//! error naming the variable, instead of a failure deep inside a request. Reading goes through a
//! lookup function so tests pass a map instead of mutating the process environment.
#![deny(missing_docs)]

pub mod contract;
mod logging;
mod queue;
mod search;
pub mod vars;

pub use contract::{
    ApiSettings, Function, MigrateSettings, SyncWorkerSettings, WorkerSettings, WsSettings,
};
pub use logging::{init_json_logs, log_ready, READY_MESSAGE};
pub use queue::{QueueAddress, QueueConfig, SyncQueueConfig, POSTGRES_QUEUE_SCHEME};
pub use search::{
    AnalysisSettings, GeminiKeySource, Neo4jCredentials, Neo4jSource, SearchBackendName,
    SearchSettings,
};

use secrecy::SecretString;
use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::Mutex;

/// A variable that is missing or has a value the runtime cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The variable is not set (or empty).
    #[error("environment variable {0} is not set: set it before starting")]
    Missing(&'static str),
    /// Neither of two variables that can each supply a value is set.
    #[error("environment variables {0} and {1} are both unset: set one of them before starting")]
    MissingEither(&'static str, &'static str),
    /// The variable is set to something unusable.
    #[error("environment variable {variable} is invalid: {reason}")]
    Invalid {
        /// The variable's name.
        variable: &'static str,
        /// What is wrong with its value and what is expected.
        reason: String,
    },
}

impl ConfigError {
    /// The name of the variable at fault, for start-up messages.
    pub fn variable(&self) -> &'static str {
        match self {
            Self::Missing(variable)
            | Self::MissingEither(variable, _)
            | Self::Invalid { variable, .. } => variable,
        }
    }
}

type Lookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Source of variables: the process environment in binaries, a map in tests. It remembers which
/// names were asked for, so a test can prove that every variable a stack sets is read.
pub struct Env {
    lookup: Lookup,
    read: Mutex<BTreeSet<&'static str>>,
}

impl Env {
    /// Reads the process environment.
    pub fn process() -> Self {
        Self::new(Box::new(|name| std::env::var(name).ok()))
    }

    fn new(lookup: Lookup) -> Self {
        Self {
            lookup,
            read: Mutex::new(BTreeSet::new()),
        }
    }

    /// The names looked up so far, set or not.
    pub fn names_read(&self) -> BTreeSet<&'static str> {
        self.read
            .lock()
            .map(|read| read.clone())
            .unwrap_or_default()
    }

    /// Reads from a fixed set of pairs.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let map: HashMap<String, String> = pairs
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect();
        Self::new(Box::new(move |name| map.get(name).cloned()))
    }

    fn optional(&self, name: &'static str) -> Option<String> {
        if let Ok(mut read) = self.read.lock() {
            read.insert(name);
        }
        (self.lookup)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }

    fn url(&self, name: &'static str, value: String) -> Result<String, ConfigError> {
        if value.starts_with("http://") || value.starts_with("https://") {
            Ok(value.trim_end_matches('/').to_owned())
        } else {
            Err(ConfigError::Invalid {
                variable: name,
                reason: format!("expected an http(s) URL, got {value:?}"),
            })
        }
    }

    fn number<T: std::str::FromStr>(
        &self,
        name: &'static str,
        default: T,
    ) -> Result<T, ConfigError> {
        match self.optional(name) {
            None => Ok(default),
            Some(value) => value.parse().map_err(|_| ConfigError::Invalid {
                variable: name,
                reason: format!("expected a positive number, got {value:?}"),
            }),
        }
    }
}

/// Where PostgreSQL is.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// How to reach it: a URL (local stacks, tests) or a Secrets Manager secret (AWS).
    pub source: DatabaseSource,
    /// `DATABASE_MAX_CONNECTIONS` (default 10): the pool size per process.
    pub max_connections: u32,
}

/// How the runtime learns the database's address and credentials.
#[derive(Debug, Clone)]
pub enum DatabaseSource {
    /// `DATABASE_URL`: a `postgres://` URL; secret because it carries the password.
    Url(SecretString),
    /// `DATABASE_SECRET_ARN` (a secret with `username` and `password`, as RDS manages it), with
    /// `DATABASE_HOST`, `DATABASE_NAME` and `DATABASE_PORT` (default 5432) where the secret lacks them.
    Secret {
        /// The secret's ARN.
        arn: String,
        /// `DATABASE_HOST`, if set.
        host: Option<String>,
        /// `DATABASE_NAME`, if set.
        name: Option<String>,
        /// `DATABASE_PORT`, if set.
        port: Option<u16>,
    },
}

impl DatabaseConfig {
    /// The variables [`DatabaseConfig::load`] reads.
    pub const VARIABLES: &'static [&'static str] = &[
        vars::DATABASE_URL,
        vars::DATABASE_SECRET_ARN,
        vars::DATABASE_HOST,
        vars::DATABASE_NAME,
        vars::DATABASE_PORT,
        vars::DATABASE_MAX_CONNECTIONS,
    ];

    /// Reads `DATABASE_URL` (preferred) or `DATABASE_SECRET_ARN` and its companions, and
    /// `DATABASE_MAX_CONNECTIONS`.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let source = match env.optional(vars::DATABASE_URL) {
            Some(url) => {
                if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                    return Err(ConfigError::Invalid {
                        variable: vars::DATABASE_URL,
                        reason: "expected a postgres:// URL".to_owned(),
                    });
                }
                DatabaseSource::Url(SecretString::from(url))
            }
            None => match env.optional(vars::DATABASE_SECRET_ARN) {
                Some(arn) => DatabaseSource::Secret {
                    arn,
                    host: env.optional(vars::DATABASE_HOST),
                    name: env.optional(vars::DATABASE_NAME),
                    port: match env.optional(vars::DATABASE_PORT) {
                        None => None,
                        Some(_) => Some(env.number(vars::DATABASE_PORT, 5432u16)?),
                    },
                },
                None => return Err(ConfigError::Missing(vars::DATABASE_URL)),
            },
        };
        let max_connections = env.number(vars::DATABASE_MAX_CONNECTIONS, 10u32)?;
        if max_connections == 0 {
            return Err(ConfigError::Invalid {
                variable: vars::DATABASE_MAX_CONNECTIONS,
                reason: "expected at least 1".to_owned(),
            });
        }
        Ok(Self {
            source,
            max_connections,
        })
    }
}

/// Which Cognito user pool issues the ID tokens the runtime accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CognitoConfig {
    /// Expected `iss`: `COGNITO_ISSUER`, or built from `COGNITO_REGION`/`AWS_REGION` and `COGNITO_USER_POOL_ID`.
    pub issuer: String,
    /// Where the signing keys are: `COGNITO_JWKS_URL`, or `<issuer>/.well-known/jwks.json`.
    pub jwks_url: String,
    /// Expected `aud`: `COGNITO_CLIENT_ID`, the app client id.
    pub client_id: String,
}

impl CognitoConfig {
    /// The variables [`CognitoConfig::load`] reads.
    pub const VARIABLES: &'static [&'static str] = &[
        vars::COGNITO_CLIENT_ID,
        vars::COGNITO_ISSUER,
        vars::COGNITO_USER_POOL_ID,
        vars::COGNITO_REGION,
        vars::AWS_REGION,
        vars::COGNITO_JWKS_URL,
    ];

    /// Reads the Cognito variables; the issuer and JWKS URL are separate because emulators serve
    /// keys somewhere other than the issuer they write into tokens.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let client_id = env.required(vars::COGNITO_CLIENT_ID)?;
        let issuer = match env.optional(vars::COGNITO_ISSUER) {
            Some(issuer) => env.url(vars::COGNITO_ISSUER, issuer)?,
            None => {
                let pool = env.required(vars::COGNITO_USER_POOL_ID)?;
                let region = match env.optional(vars::COGNITO_REGION) {
                    Some(region) => region,
                    None => env.required(vars::AWS_REGION)?,
                };
                format!("https://cognito-idp.{region}.amazonaws.com/{pool}")
            }
        };
        let jwks_url = match env.optional(vars::COGNITO_JWKS_URL) {
            Some(url) => env.url(vars::COGNITO_JWKS_URL, url)?,
            None => format!("{issuer}/.well-known/jwks.json"),
        };
        Ok(Self {
            issuer,
            jwks_url,
            client_id,
        })
    }
}

/// The API Gateway Management API that pushes frames to WebSocket connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushConfig {
    /// `WEBSOCKET_MANAGEMENT_URL`: the stage's `https://{api}.execute-api.{region}.amazonaws.com/{stage}`,
    /// or the local API process's URL.
    pub management_url: String,
}

impl PushConfig {
    /// The variables [`PushConfig::load`] reads.
    pub const VARIABLES: &'static [&'static str] = &[vars::WEBSOCKET_MANAGEMENT_URL];

    /// Reads `WEBSOCKET_MANAGEMENT_URL`.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let url = env.required(vars::WEBSOCKET_MANAGEMENT_URL)?;
        Ok(Self {
            management_url: env.url(vars::WEBSOCKET_MANAGEMENT_URL, url)?,
        })
    }

    /// Like [`PushConfig::load`], but `None` when `WEBSOCKET_MANAGEMENT_URL` is unset.
    pub fn load_optional(env: &Env) -> Result<Option<Self>, ConfigError> {
        match env.optional(vars::WEBSOCKET_MANAGEMENT_URL) {
            None => Ok(None),
            Some(_) => Self::load(env).map(Some),
        }
    }
}

/// HTTP settings of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// `CORS_ALLOWED_ORIGINS`: comma-separated origins allowed to call the API with credentials;
    /// `*` allows any origin but then without credentials. Empty or unset allows none.
    pub cors_origins: CorsOrigins,
    /// `LISTEN_ADDR` (default `127.0.0.1:8000`): where the plain server listens outside Lambda.
    pub listen: SocketAddr,
    /// `FRONTEND_DIR`: the built web app, served at `/` by the local stack's API process.
    pub frontend_dir: Option<std::path::PathBuf>,
}

/// Which browser origins may call the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    /// Any origin, never with credentials.
    Any,
    /// These exact origins, with credentials.
    List(Vec<String>),
}

impl HttpConfig {
    /// The variables [`HttpConfig::load`] reads.
    pub const VARIABLES: &'static [&'static str] = &[
        vars::CORS_ALLOWED_ORIGINS,
        vars::LISTEN_ADDR,
        vars::FRONTEND_DIR,
    ];

    /// Reads `CORS_ALLOWED_ORIGINS`, `LISTEN_ADDR` and `FRONTEND_DIR`.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let cors_origins = match env.optional(vars::CORS_ALLOWED_ORIGINS) {
            None => CorsOrigins::List(Vec::new()),
            Some(value) if value == "*" => CorsOrigins::Any,
            Some(value) => {
                let mut origins = Vec::new();
                for origin in value.split(',').map(str::trim).filter(|o| !o.is_empty()) {
                    if origin == "*" {
                        return Err(ConfigError::Invalid {
                            variable: vars::CORS_ALLOWED_ORIGINS,
                            reason: "'*' cannot be mixed with explicit origins".to_owned(),
                        });
                    }
                    origins.push(env.url(vars::CORS_ALLOWED_ORIGINS, origin.to_owned())?);
                }
                CorsOrigins::List(origins)
            }
        };
        let listen = match env.optional(vars::LISTEN_ADDR) {
            None => SocketAddr::from(([127, 0, 0, 1], 8000)),
            Some(value) => value.parse().map_err(|_| ConfigError::Invalid {
                variable: vars::LISTEN_ADDR,
                reason: format!("expected host:port, got {value:?}"),
            })?,
        };
        let frontend_dir = match env.optional(vars::FRONTEND_DIR) {
            None => None,
            Some(dir) => {
                let dir = std::path::PathBuf::from(dir);
                if !dir.join("index.html").is_file() {
                    return Err(ConfigError::Invalid {
                        variable: vars::FRONTEND_DIR,
                        reason: format!("{} has no index.html", dir.display()),
                    });
                }
                Some(dir)
            }
        };
        Ok(Self {
            cors_origins,
            listen,
            frontend_dir,
        })
    }
}

/// Overrides of the sandbox's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SandboxSettings {
    /// `SANDBOX_PYTHON`: the interpreter the sandbox runs (default: the sandbox's own choice).
    pub python: Option<std::path::PathBuf>,
    /// `SANDBOX_FILE_CONFINEMENT`: the file-confinement layer by name (default `auto`); the
    /// sandbox parses it (docs/sandbox.md, "File confinement").
    pub file_confinement: Option<String>,
}

impl SandboxSettings {
    /// The variables [`SandboxSettings::load`] reads.
    pub const VARIABLES: &'static [&'static str] =
        &[vars::SANDBOX_PYTHON, vars::SANDBOX_FILE_CONFINEMENT];

    /// Reads `SANDBOX_PYTHON`, which must name an existing file, and
    /// `SANDBOX_FILE_CONFINEMENT`.
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        let python = match env.optional(vars::SANDBOX_PYTHON) {
            None => None,
            Some(path) => {
                let path = std::path::PathBuf::from(path);
                if !path.is_file() {
                    return Err(ConfigError::Invalid {
                        variable: vars::SANDBOX_PYTHON,
                        reason: format!("{} is not a file", path.display()),
                    });
                }
                Some(path)
            }
        };
        let file_confinement = env.optional(vars::SANDBOX_FILE_CONFINEMENT);
        Ok(Self {
            python,
            file_confinement,
        })
    }
}

/// Whether the process runs inside AWS Lambda (the runtime API variable is set there only).
pub fn in_lambda(env: &Env) -> bool {
    env.optional(vars::AWS_LAMBDA_RUNTIME_API).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn missing_variable_is_named() {
        let err = DatabaseConfig::load(&Env::from_pairs([])).unwrap_err();
        assert_eq!(err.variable(), "DATABASE_URL");
        assert!(err.to_string().contains("DATABASE_URL"));
    }

    #[test]
    fn database_url_is_kept_secret_and_checked() {
        let env = Env::from_pairs([("DATABASE_URL", "postgres://u:p@h/db")]);
        let config = DatabaseConfig::load(&env).unwrap();
        let DatabaseSource::Url(url) = &config.source else {
            panic!("a URL source");
        };
        assert_eq!(url.expose_secret(), "postgres://u:p@h/db");
        assert!(!format!("{config:?}").contains("u:p"));
        let env = Env::from_pairs([("DATABASE_URL", "mysql://x")]);
        assert_eq!(
            DatabaseConfig::load(&env).unwrap_err().variable(),
            "DATABASE_URL"
        );
    }

    #[test]
    fn database_secret_is_used_without_a_url() {
        let env = Env::from_pairs([
            (
                "DATABASE_SECRET_ARN",
                "arn:aws:secretsmanager:us-east-1:1:secret:db",
            ),
            ("DATABASE_HOST", "cluster.example"),
            ("DATABASE_NAME", "coderemote"),
        ]);
        let config = DatabaseConfig::load(&env).unwrap();
        assert!(matches!(
            config.source,
            DatabaseSource::Secret { ref host, port: None, .. } if host.as_deref() == Some("cluster.example")
        ));
        let env = Env::from_pairs([("DATABASE_SECRET_ARN", "arn"), ("DATABASE_PORT", "nope")]);
        assert_eq!(
            DatabaseConfig::load(&env).unwrap_err().variable(),
            "DATABASE_PORT"
        );
    }

    #[test]
    fn cognito_issuer_is_built_and_jwks_derived_unless_set() {
        let env = Env::from_pairs([
            ("COGNITO_CLIENT_ID", "client"),
            ("COGNITO_USER_POOL_ID", "us-east-1_abc"),
            ("AWS_REGION", "us-east-1"),
        ]);
        let config = CognitoConfig::load(&env).unwrap();
        assert_eq!(
            config.issuer,
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"
        );
        assert_eq!(
            config.jwks_url,
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc/.well-known/jwks.json"
        );
        let env = Env::from_pairs([
            ("COGNITO_CLIENT_ID", "client"),
            ("COGNITO_ISSUER", "https://issuer/pool"),
            (
                "COGNITO_JWKS_URL",
                "http://127.0.0.1:5000/pool/.well-known/jwks.json",
            ),
        ]);
        let config = CognitoConfig::load(&env).unwrap();
        assert_eq!(config.issuer, "https://issuer/pool");
        assert_eq!(
            config.jwks_url,
            "http://127.0.0.1:5000/pool/.well-known/jwks.json"
        );
    }

    #[test]
    fn cors_wildcard_cannot_mix_with_origins() {
        let env = Env::from_pairs([("CORS_ALLOWED_ORIGINS", "*")]);
        assert_eq!(
            HttpConfig::load(&env).unwrap().cors_origins,
            CorsOrigins::Any
        );
        let env = Env::from_pairs([("CORS_ALLOWED_ORIGINS", "https://a.example, *")]);
        assert!(HttpConfig::load(&env).is_err());
        let env = Env::from_pairs([("LISTEN_ADDR", "nope")]);
        assert_eq!(
            HttpConfig::load(&env).unwrap_err().variable(),
            "LISTEN_ADDR"
        );
    }
}
