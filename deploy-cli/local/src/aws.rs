//! The stack's AWS resources, created in moto on start: the Cognito user pool and its public
//! client, the buckets and the secrets (the queues are in `queues`), through the moto crate's
//! wire clients (the runtime never calls these services, so their SDK crates stay out of the build).

use code_remote_moto::{Cognito, UserPool, Wire, REGION};

use crate::Error;

/// What was created.
#[derive(Debug, Clone)]
pub struct Resources {
    /// The user pool and its client.
    pub pool: UserPool,
    /// The ARN of the Gemini API key secret, when a key was given (`GEMINI_API_KEY`).
    pub gemini_secret_arn: Option<String>,
}

/// Cognito on the stack's moto at `endpoint`.
pub fn cognito(endpoint: &str) -> Cognito {
    Cognito::at(Wire::new(endpoint, REGION))
}

/// Creates every resource of stack `name` in the moto at `endpoint`: `gemini_key` is the Gemini
/// API key to keep as a secret, if any. (The local stack's processes get the database as a URL;
/// the secret path of AWS is exercised by `deploy rehearse`.)
pub async fn provision(
    endpoint: &str,
    name: &str,
    gemini_key: Option<&str>,
) -> Result<Resources, Error> {
    let wire = Wire::new(endpoint, REGION);
    let cognito = Cognito::at(wire.clone());
    let pool_name = format!("code-remote-{name}");
    let gemini_name = format!("code-remote/{name}/gemini-api-key");
    let gemini = async {
        match gemini_key {
            Some(key) => wire.create_secret(&gemini_name, key).await.map(Some),
            None => Ok(None),
        }
    };
    let buckets = async {
        for purpose in ["artifacts", "frontend"] {
            wire.create_bucket(&format!("code-remote-{name}-{purpose}"))
                .await?;
        }
        Ok(())
    };
    let (pool, (), gemini_secret_arn) =
        tokio::try_join!(cognito.create_named_pool(&pool_name), buckets, gemini,)?;
    Ok(Resources {
        pool,
        gemini_secret_arn,
    })
}

/// An SDK configuration for the stack's moto.
pub async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    code_remote_moto::sdk_config(endpoint, REGION).await
}
