//! The stack's AWS resources, created in moto on start: the Cognito user pool and its public
//! client, the buckets and the secrets (the queues are in `queues`).
//!
//! Cognito, S3 and Secrets Manager are
//! spoken to over their wire protocols (moto accepts unsigned requests): the runtime never calls
//! them, and their SDK crates would add minutes to every build on two cores for a handful of calls.

use serde_json::{json, Value};

use crate::Error;

/// The region moto pretends to be (its Cognito writes it into every issuer).
pub const REGION: &str = "us-east-1";

/// What was created.
#[derive(Debug, Clone)]
pub struct Resources {
    /// The user pool and its client.
    pub pool: UserPool,
    /// The ARN of the Gemini API key secret, when a key was given (`GEMINI_API_KEY`).
    pub gemini_secret_arn: Option<String>,
}

/// A Cognito user pool with its public app client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPool {
    /// The pool id.
    pub pool_id: String,
    /// The public client id (the `aud` of ID tokens).
    pub client_id: String,
}

impl UserPool {
    /// The `iss` moto writes into this pool's tokens (always the us-east-1 form).
    pub fn issuer(&self) -> String {
        format!(
            "https://cognito-idp.{REGION}.amazonaws.com/{}",
            self.pool_id
        )
    }

    /// Where moto serves this pool's signing keys.
    pub fn jwks_url(&self, endpoint: &str) -> String {
        format!("{endpoint}/{}/.well-known/jwks.json", self.pool_id)
    }
}

/// Creates every resource of stack `name` in the moto at `endpoint`: `gemini_key` is the Gemini
/// API key to keep as a secret, if any. (The local stack's processes get the database as a URL;
/// the secret path of AWS is exercised by `deploy rehearse`.)
pub async fn provision(
    endpoint: &str,
    name: &str,
    gemini_key: Option<&str>,
) -> Result<Resources, Error> {
    let aws = Wire::new(endpoint);
    let gemini_name = format!("code-remote/{name}/gemini-api-key");
    let gemini = async {
        match gemini_key {
            Some(key) => aws.create_secret(&gemini_name, key).await.map(Some),
            None => Ok(None),
        }
    };
    let (pool, (), gemini_secret_arn) =
        tokio::try_join!(aws.create_pool(name), aws.create_buckets(name), gemini,)?;
    Ok(Resources {
        pool,
        gemini_secret_arn,
    })
}

/// An SDK configuration for moto with its dummy credentials.
pub async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    let credentials =
        aws_credential_types::Credentials::new("testing", "testing", None, None, "local-stack");
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .load()
        .await
}

/// Calls over the AWS wire protocols, unsigned, for moto.
#[derive(Debug, Clone)]
pub struct Wire {
    endpoint: String,
    http: reqwest::Client,
}

impl Wire {
    /// Talks to the moto at `endpoint`.
    pub fn new(endpoint: &str) -> Self {
        Self {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
        }
    }

    fn authorization(service: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential=testing/20240101/{REGION}/{service}/aws4_request, \
             SignedHeaders=host, Signature=0"
        )
    }

    /// One JSON-protocol call (`target` is e.g. `AWSCognitoIdentityProviderService.CreateUserPool`).
    async fn json(&self, service: &str, target: &str, body: Value) -> Result<Value, Error> {
        let action = target.rsplit('.').next().unwrap_or(target).to_owned();
        let response = self
            .http
            .post(format!("{}/", self.endpoint))
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("X-Amz-Target", target)
            .header("Authorization", Self::authorization(service))
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| Error::Aws {
                action: action.clone(),
                detail: e.to_string(),
            })?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(Error::Aws {
                action,
                detail: text,
            });
        }
        serde_json::from_str(&text).map_err(|e| Error::Aws {
            action,
            detail: format!("unreadable answer ({e}): {text}"),
        })
    }

    /// A Cognito Identity Provider call.
    pub async fn cognito(&self, action: &str, body: Value) -> Result<Value, Error> {
        self.json(
            "cognito-idp",
            &format!("AWSCognitoIdentityProviderService.{action}"),
            body,
        )
        .await
    }

    async fn create_pool(&self, name: &str) -> Result<UserPool, Error> {
        let pool = self
            .cognito(
                "CreateUserPool",
                json!({
                    "PoolName": format!("code-remote-{name}"),
                    "AutoVerifiedAttributes": ["email"],
                    "Schema": [{"Name": "email", "AttributeDataType": "String", "Required": true, "Mutable": true}],
                }),
            )
            .await?;
        let pool_id = string_at(&pool, &["UserPool", "Id"], "CreateUserPool")?;
        let client = self
            .cognito(
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
        Ok(UserPool { pool_id, client_id })
    }

    async fn create_buckets(&self, name: &str) -> Result<(), Error> {
        for purpose in ["artifacts", "frontend"] {
            let bucket = format!("code-remote-{name}-{purpose}");
            let response = self
                .http
                .put(format!("{}/{bucket}", self.endpoint))
                .header("Authorization", Self::authorization("s3"))
                .send()
                .await
                .map_err(|e| Error::Aws {
                    action: format!("CreateBucket {bucket}"),
                    detail: e.to_string(),
                })?;
            if !response.status().is_success() {
                return Err(Error::Aws {
                    action: format!("CreateBucket {bucket}"),
                    detail: response.text().await.unwrap_or_default(),
                });
            }
        }
        Ok(())
    }

    async fn create_secret(&self, name: &str, value: &str) -> Result<String, Error> {
        let answer = self
            .json(
                "secretsmanager",
                "secretsmanager.CreateSecret",
                json!({ "Name": name, "SecretString": value }),
            )
            .await?;
        string_at(&answer, &["ARN"], "CreateSecret")
    }
}

/// The string at `path` in a JSON answer.
pub fn string_at(value: &Value, path: &[&str], action: &str) -> Result<String, Error> {
    let mut current = value;
    for key in path {
        current = &current[*key];
    }
    current
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::Aws {
            action: action.to_owned(),
            detail: format!("no {} in {value}", path.join(".")),
        })
}
