//! The user pool's signing keys, fetched on demand and cached by key id.

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::DecodingKey;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

use crate::AuthError;

/// The shortest time between two fetches, so a stream of tokens with made-up key ids cannot make
/// the API hammer the JWKS endpoint.
const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Cached {
    keys: HashMap<String, Arc<DecodingKey>>,
    fetched_at: Option<Instant>,
}

/// RSA keys by `kid`, refreshed when a token names a key the cache does not hold.
pub(crate) struct JwksCache {
    url: String,
    http: reqwest::Client,
    cached: RwLock<Cached>,
}

impl JwksCache {
    pub(crate) fn new(url: String, http: reqwest::Client) -> Self {
        Self {
            url,
            http,
            cached: RwLock::new(Cached::default()),
        }
    }

    /// The key for `kid`, fetching the JWKS when it is not cached (at most once per interval).
    pub(crate) async fn key(&self, kid: &str) -> Result<Arc<DecodingKey>, AuthError> {
        if let Some(key) = self.cached.read().await.keys.get(kid) {
            return Ok(key.clone());
        }
        let mut cached = self.cached.write().await;
        if let Some(key) = cached.keys.get(kid) {
            return Ok(key.clone());
        }
        let recently = cached
            .fetched_at
            .is_some_and(|at| at.elapsed() < MIN_REFRESH_INTERVAL);
        if !recently {
            cached.keys = self.fetch().await?;
            cached.fetched_at = Some(Instant::now());
        }
        cached
            .keys
            .get(kid)
            .cloned()
            .ok_or_else(|| AuthError::Invalid("signing key not found".to_owned()))
    }

    async fn fetch(&self) -> Result<HashMap<String, Arc<DecodingKey>>, AuthError> {
        let unavailable = |err: reqwest::Error| {
            tracing::error!(url = %self.url, error = %err, "fetching the JWKS failed");
            AuthError::Invalid("signing keys unavailable".to_owned())
        };
        let set: JwkSet = self
            .http
            .get(&self.url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(unavailable)?
            .json()
            .await
            .map_err(unavailable)?;
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let (Some(kid), AlgorithmParameters::RSA(rsa)) = (&jwk.common.key_id, &jwk.algorithm)
            else {
                continue;
            };
            match DecodingKey::from_rsa_components(&rsa.n, &rsa.e) {
                Ok(key) => {
                    keys.insert(kid.clone(), Arc::new(key));
                }
                Err(err) => tracing::warn!(kid, error = %err, "skipping an unusable JWKS key"),
            }
        }
        Ok(keys)
    }
}
