//! moto's Cognito user pools: create a pool and a client, add users, sign them in for ID tokens,
//! for the tests and for the local stack alike.

use serde_json::{json, Value};

use crate::wire::{string_at, Wire};
use crate::{MotoError, MotoServer, REGION};

/// A user pool with one app client, as the runtime's configuration names them.
#[derive(Debug, Clone, PartialEq, Eq)]
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

impl UserPool {
    /// What the API's token verifier is configured with for this pool.
    pub fn cognito_config(&self) -> code_remote_config::CognitoConfig {
        code_remote_config::CognitoConfig {
            issuer: self.issuer.clone(),
            jwks_url: self.jwks_url.clone(),
            client_id: self.client_id.clone(),
        }
    }
}

/// A Cognito client bound to one moto server and region.
#[derive(Debug, Clone)]
pub struct Cognito {
    wire: Wire,
}

impl Cognito {
    /// Talks to Cognito on `server` in [`REGION`].
    pub fn new(server: &MotoServer) -> Self {
        Self::in_region(server, REGION)
    }

    /// Talks to Cognito on `server` in `region`: moto writes that region into the pool ids and
    /// the tokens' issuer, as Cognito does.
    pub fn in_region(server: &MotoServer, region: &str) -> Self {
        Self::at(Wire::new(server.url(), region))
    }

    /// Talks to Cognito through `wire` (a moto this process did not start: the local stack's).
    pub fn at(wire: Wire) -> Self {
        Self { wire }
    }

    /// One call of the Cognito JSON protocol (`action` is e.g. `CreateUserPool`).
    pub async fn call(&self, action: &str, body: Value) -> Result<Value, MotoError> {
        self.wire
            .json(
                "cognito-idp",
                &format!("AWSCognitoIdentityProviderService.{action}"),
                body,
            )
            .await
    }

    /// Creates a pool with a unique name (see [`Cognito::create_named_pool`]).
    pub async fn create_pool(&self) -> Result<UserPool, MotoError> {
        self.create_named_pool(&format!("pool-{}", uuid::Uuid::new_v4().simple()))
            .await
    }

    /// Creates pool `name` (email required and auto-verified) with a public app client that
    /// allows what the web app does: password sign-in and refresh, no client secret.
    pub async fn create_named_pool(&self, name: &str) -> Result<UserPool, MotoError> {
        let pool = self
            .call(
                "CreateUserPool",
                json!({
                    "PoolName": name,
                    "AutoVerifiedAttributes": ["email"],
                    "Schema": [{"Name": "email", "AttributeDataType": "String", "Required": true, "Mutable": true}],
                }),
            )
            .await?;
        let pool_id = string_at(&pool, &["UserPool", "Id"], "CreateUserPool")?;
        let client = self
            .call(
                "CreateUserPoolClient",
                json!({
                    "UserPoolId": pool_id,
                    "ClientName": "web",
                    "GenerateSecret": false,
                    "ExplicitAuthFlows": [
                        "ALLOW_USER_PASSWORD_AUTH",
                        "ALLOW_REFRESH_TOKEN_AUTH",
                        "ALLOW_USER_SRP_AUTH",
                        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                    ],
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
                self.wire.region()
            ),
            jwks_url: format!("{}/{pool_id}/.well-known/jwks.json", self.wire.url()),
            pool_id,
            client_id,
        })
    }

    /// Makes sure `username` exists, confirmed, with a verified `<username>@example.com` and
    /// `password` as its permanent password (an existing user gets the password again).
    pub async fn ensure_user(
        &self,
        pool: &UserPool,
        username: &str,
        password: &str,
    ) -> Result<(), MotoError> {
        let created = self
            .call(
                "AdminCreateUser",
                json!({
                    "UserPoolId": pool.pool_id,
                    "Username": username,
                    "MessageAction": "SUPPRESS",
                    "UserAttributes": [
                        {"Name": "email", "Value": format!("{username}@example.com")},
                        {"Name": "email_verified", "Value": "true"},
                    ],
                }),
            )
            .await;
        match created {
            Ok(_) => {}
            Err(MotoError::Refused { body, .. }) if body.contains("UsernameExistsException") => {}
            Err(other) => return Err(other),
        }
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

    /// Signs in through the public client with `USER_PASSWORD_AUTH`, as the web app does, and
    /// returns the ID token Cognito issues.
    pub async fn id_token(
        &self,
        pool: &UserPool,
        username: &str,
        password: &str,
    ) -> Result<String, MotoError> {
        let answer = self
            .call(
                "InitiateAuth",
                json!({
                    "ClientId": pool.client_id,
                    "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": username, "PASSWORD": password},
                }),
            )
            .await?;
        string_at(
            &answer,
            &["AuthenticationResult", "IdToken"],
            "InitiateAuth",
        )
    }

    /// Creates a user and signs it in: a fresh ID token for a fresh identity.
    pub async fn new_user_token(&self, pool: &UserPool) -> Result<String, MotoError> {
        let username = format!("user-{}", uuid::Uuid::new_v4().simple());
        let password = fresh_password();
        self.ensure_user(pool, &username, &password).await?;
        self.id_token(pool, &username, &password).await
    }
}

/// A password that satisfies Cognito's default policy, fresh for each call.
pub fn fresh_password() -> String {
    format!("Pw-{}-9a", uuid::Uuid::new_v4().simple())
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
