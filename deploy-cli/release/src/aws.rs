//! The AWS clients a release uses, built once from the environment (profile, SSO, OIDC web
//! identity, or keys; `AWS_ENDPOINT_URL` points them at moto in tests and local stacks).

use aws_config::SdkConfig;

use crate::error::ReleaseError;

/// S3, Lambda, CloudFront and Secrets Manager clients sharing one configuration.
#[derive(Debug, Clone)]
pub struct AwsClients {
    /// Artifacts, records, the deploy lock, the frontend bucket.
    pub s3: aws_sdk_s3::Client,
    /// Versions, aliases, the migrate function.
    pub lambda: aws_sdk_lambda::Client,
    /// Invalidations.
    pub cloudfront: aws_sdk_cloudfront::Client,
    /// Whether the out-of-band secrets have values.
    pub secrets: aws_sdk_secretsmanager::Client,
}

impl AwsClients {
    /// Loads the default credential chain and region, and fails with one clear line when there
    /// are no credentials, before any step runs.
    pub async fn from_env() -> Result<Self, ReleaseError> {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .load()
            .await;
        let Some(provider) = config.credentials_provider() else {
            return Err(ReleaseError::NoCredentials(
                "no credential provider is configured".to_owned(),
            ));
        };
        use aws_credential_types::provider::ProvideCredentials;
        provider
            .provide_credentials()
            .await
            .map_err(|err| ReleaseError::NoCredentials(err.to_string()))?;
        Ok(Self::from_config(&config))
    }

    /// Builds the clients from an existing configuration (tests pass moto's).
    pub fn from_config(config: &SdkConfig) -> Self {
        let path_style =
            std::env::var_os("AWS_ENDPOINT_URL").is_some() || config.endpoint_url().is_some();
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(path_style)
            .build();
        Self {
            s3: aws_sdk_s3::Client::from_conf(s3),
            lambda: aws_sdk_lambda::Client::new(config),
            cloudfront: aws_sdk_cloudfront::Client::new(config),
            secrets: aws_sdk_secretsmanager::Client::new(config),
        }
    }
}
