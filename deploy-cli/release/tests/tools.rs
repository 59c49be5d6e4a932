//! Missing tools and credentials: one clear line each, naming the fix. (Its own test binary,
//! because it changes process-wide environment variables.)

use code_remote_pulumi::{Pulumi, PulumiSettings};
use code_remote_release::{AwsClients, BuildTools, ReleaseError};

#[tokio::test]
async fn missing_pulumi_cargo_lambda_and_credentials_each_say_what_to_do() {
    std::env::set_var("PULUMI", "/nonexistent/pulumi");
    let settings = PulumiSettings {
        program_dir: ".".into(),
        config_file: "stacks/dev.yaml".into(),
        stack: "dev".to_owned(),
        release: "v1".to_owned(),
        backend: None,
        secrets_provider: None,
        create: true,
        env: Vec::new(),
    };
    let pulumi =
        ReleaseError::from(Pulumi::new(settings).check_installed().unwrap_err()).to_string();
    assert_eq!(
        pulumi,
        "pulumi not found: install the Pulumi CLI: curl -fsSL https://get.pulumi.com | sh, or see https://www.pulumi.com/docs/install/ (or set PULUMI to its path)"
    );

    std::env::set_var("CARGO_LAMBDA", "/nonexistent/cargo-lambda");
    let lambda = BuildTools::default().check().unwrap_err().to_string();
    assert_eq!(
        lambda,
        "cargo-lambda not found: pip install cargo-lambda (it ships zig) and rustup target add aarch64-unknown-linux-gnu (or set CARGO_LAMBDA to its path)"
    );

    for key in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ] {
        std::env::remove_var(key);
    }
    std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/aws-config");
    std::env::set_var(
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/aws-credentials",
    );
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    std::env::set_var("AWS_REGION", "us-east-1");
    let credentials = AwsClients::from_env().await.unwrap_err();
    assert!(matches!(credentials, ReleaseError::NoCredentials(_)));
    let line = credentials.to_string();
    assert!(line.starts_with("no AWS credentials: "), "{line}");
    assert!(line.contains("OIDC in CI"), "{line}");
    assert!(!line.contains('\n'), "{line}");
}
