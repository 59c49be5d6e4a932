//! moto's Cognito user pools: create a pool and a client, add users, sign them in for ID tokens.
//!
//! Spoken over the Cognito JSON protocol directly (moto accepts unsigned requests), which keeps the
//! SDK for a service the runtime never calls out of the build.

use serde_json::{json, Value};

use crate::{MotoError, MotoServer, REGION};

/// A user pool with one app client, as the runtime's configuration names them.
#[derive(Debug, Clone)]
pub struct UserPool {
    /// The pool id, e.g. `us-east-1_abc123`.
    pub pool_id: String,
    /// The app client id: the `aud` of its ID tokens.
    pub client_id: String,
    /// The `iss` moto writes into tokens.
    pub issuer: String,
    /// Where moto serves the pool's public keys.
    pub jwks_url: String,
}

/// A Cognito client bound to one moto server and region.
#[derive(Debug, Clone)]
pub struct Cognito {
    url: String,
    region: String,
    http: reqwest::Client,
}

impl Cognito {
    /// Talks to Cognito on `server` in [`REGION`].
    pub fn new(server: &MotoServer) -> Self {
        Self::in_region(server, REGION)
    }

    /// Talks to Cognito on `server` in `region`: moto writes that region into the pool ids and
    /// the tokens' issuer, as Cognito does.
    pub fn in_region(server: &MotoServer, region: &str) -> Self {
        Self {
            url: server.url().to_owned(),
            region: region.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// One call of the Cognito JSON protocol (`action` is e.g. `CreateUserPool`), for callers
    /// that need settings the helpers below do not take.
    pub async fn call(&self, action: &str, body: Value) -> Result<Value, MotoError> {
        let response = self
            .http
            .post(format!("{}/", self.url))
            .header("Content-Type", "application/x-amz-json-1.1")
            .header(
                "X-Amz-Target",
                format!("AWSCognitoIdentityProviderService.{action}"),
            )
            .header(
                "Authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential=testing/20240101/{}/cognito-idp/aws4_request, SignedHeaders=host, Signature=0",
                    self.region
                ),
            )
            .body(body.to_string())
            .send()
            .await?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            return Err(MotoError::Refused {
                action: action.to_owned(),
                body: text,
            });
        }
        serde_json::from_str(&text).map_err(|err| MotoError::Refused {
            action: action.to_owned(),
            body: format!("unreadable answer ({err}): {text}"),
        })
    }

    /// Creates a pool (unique name) with an app client allowing password sign-in.
    pub async fn create_pool(&self) -> Result<UserPool, MotoError> {
        let name = format!("pool-{}", uuid::Uuid::new_v4().simple());
        let pool = self
            .call("CreateUserPool", json!({ "PoolName": name }))
            .await?;
        let pool_id = string_at(&pool, &["UserPool", "Id"], "CreateUserPool")?;
        let client = self
            .call(
                "CreateUserPoolClient",
                json!({
                    "UserPoolId": pool_id,
                    "ClientName": "web",
                    "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                }),
            )
            .await?;
        let client_id = string_at(
            &client,
            &["UserPoolClient", "ClientId"],
            "CreateUserPoolClient",
        )?;
        Ok(UserPool {
            issuer: format!(
                "https://cognito-idp.{}.amazonaws.com/{pool_id}",
                self.region
            ),
            jwks_url: format!("{}/{pool_id}/.well-known/jwks.json", self.url),
            pool_id,
            client_id,
        })
    }

    /// Adds a confirmed user with a permanent password and the given email.
    pub async fn create_user(
        &self,
        pool: &UserPool,
        username: &str,
        password: &str,
    ) -> Result<(), MotoError> {
        self.call(
            "AdminCreateUser",
            json!({
                "UserPoolId": pool.pool_id,
                "Username": username,
                "MessageAction": "SUPPRESS",
                "UserAttributes": [{"Name": "email", "Value": format!("{username}@example.com")}],
            }),
        )
        .await?;
        self.call(
            "AdminSetUserPassword",
            json!({
                "UserPoolId": pool.pool_id,
                "Username": username,
                "Password": password,
                "Permanent": true,
            }),
        )
        .await?;
        Ok(())
    }

    /// Signs a user in and returns the ID token Cognito issues.
    pub async fn id_token(
        &self,
        pool: &UserPool,
        username: &str,
        password: &str,
    ) -> Result<String, MotoError> {
        let answer = self
            .call(
                "AdminInitiateAuth",
                json!({
                    "UserPoolId": pool.pool_id,
                    "ClientId": pool.client_id,
                    "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": username, "PASSWORD": password},
                }),
            )
            .await?;
        string_at(
            &answer,
            &["AuthenticationResult", "IdToken"],
            "AdminInitiateAuth",
        )
    }

    /// Creates a user and signs it in: a fresh ID token for a fresh identity.
    pub async fn new_user_token(&self, pool: &UserPool) -> Result<String, MotoError> {
        let username = format!("user-{}", uuid::Uuid::new_v4().simple());
        let password = "Password-123!";
        self.create_user(pool, &username, password).await?;
        self.id_token(pool, &username, password).await
    }
}

fn string_at(value: &Value, path: &[&str], action: &str) -> Result<String, MotoError> {
    let mut current = value;
    for key in path {
        current = &current[*key];
    }
    current
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| MotoError::Refused {
            action: action.to_owned(),
            body: format!("no {} in {value}", path.join(".")),
        })
}

/// moto's Cognito signing key as a private JWK, read from the installed moto package, so tests can
/// forge tokens that moto's JWKS verifies (expired, wrong audience, ...).
pub fn signing_jwk() -> Result<Value, MotoError> {
    // The virtualenv that holds the moto_server in use (`.venv/bin/moto_server` → `.venv/lib`).
    let binary = crate::server::binary();
    let pattern = binary
        .parent()
        .and_then(std::path::Path::parent)
        .map(|venv| venv.join("lib"))
        .ok_or_else(|| MotoError::NotInstalled(binary.clone()))?;
    let not_found = || MotoError::NotInstalled(pattern.clone());
    let lib = std::fs::read_dir(&pattern).map_err(|_| not_found())?;
    for entry in lib.flatten() {
        let file = entry
            .path()
            .join("site-packages/moto/cognitoidp/resources/jwks-private.json.gz");
        if file.exists() {
            let output = std::process::Command::new("gzip")
                .arg("-dc")
                .arg(&file)
                .output()
                .map_err(MotoError::Spawn)?;
            return serde_json::from_slice(&output.stdout).map_err(|err| MotoError::Refused {
                action: "reading moto's signing key".to_owned(),
                body: err.to_string(),
            });
        }
    }
    Err(not_found())
}
