//! moto's services over their wire protocols, unsigned (moto accepts any signature): the calls
//! the tests and the local stack make to Cognito, S3 and Secrets Manager, without the SDK crates
//! of services the runtime itself never calls.

use serde_json::Value;

use crate::MotoError;

/// Calls to one moto server, as if from one region.
#[derive(Debug, Clone)]
pub struct Wire {
    url: String,
    region: String,
    http: reqwest::Client,
}

impl Wire {
    /// Talks to the moto at `url` as region `region` (moto writes it into what it creates).
    pub fn new(url: &str, region: &str) -> Self {
        Self {
            url: url.trim_end_matches('/').to_owned(),
            region: region.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// The server's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The region calls are made as.
    pub fn region(&self) -> &str {
        &self.region
    }

    fn authorization(&self, service: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential=testing/20240101/{}/{service}/aws4_request, \
             SignedHeaders=host, Signature=0",
            self.region
        )
    }

    /// One call of a JSON-protocol service: `target` is e.g.
    /// `AWSCognitoIdentityProviderService.CreateUserPool`.
    pub async fn json(&self, service: &str, target: &str, body: Value) -> Result<Value, MotoError> {
        let action = target.rsplit('.').next().unwrap_or(target).to_owned();
        let response = self
            .http
            .post(format!("{}/", self.url))
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("X-Amz-Target", target)
            .header("Authorization", self.authorization(service))
            .body(body.to_string())
            .send()
            .await?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            return Err(MotoError::Refused { action, body: text });
        }
        serde_json::from_str(&text).map_err(|err| MotoError::Refused {
            action,
            body: format!("unreadable answer ({err}): {text}"),
        })
    }

    /// Creates an S3 bucket. moto answers a first S3 call made while other services start up
    /// with an occasional 500; that is retried (a retry finding the bucket already its own counts
    /// as created).
    pub async fn create_bucket(&self, bucket: &str) -> Result<(), MotoError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let response = self
                .http
                .put(format!("{}/{bucket}", self.url))
                .header("Authorization", self.authorization("s3"))
                .send()
                .await?;
            let status = response.status();
            if status.is_success() {
                return Ok(());
            }
            let body = response.text().await.unwrap_or_default();
            if attempt > 1 && body.contains("BucketAlreadyOwnedByYou") {
                return Ok(());
            }
            if status != reqwest::StatusCode::INTERNAL_SERVER_ERROR || attempt == 3 {
                return Err(MotoError::Refused {
                    action: format!("CreateBucket {bucket}"),
                    body,
                });
            }
            tokio::time::sleep(std::time::Duration::from_millis(200 * attempt)).await;
        }
    }

    /// Creates a Secrets Manager secret holding `value`; its ARN.
    pub async fn create_secret(&self, name: &str, value: &str) -> Result<String, MotoError> {
        let answer = self
            .json(
                "secretsmanager",
                "secretsmanager.CreateSecret",
                serde_json::json!({ "Name": name, "SecretString": value }),
            )
            .await?;
        string_at(&answer, &["ARN"], "CreateSecret")
    }
}

/// The string at `path` in the answer to `action`.
pub fn string_at(value: &Value, path: &[&str], action: &str) -> Result<String, MotoError> {
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
