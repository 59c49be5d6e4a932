//! A stack in moto: the buckets, functions with `live` aliases and the distribution Pulumi would
//! have created, a local HTTP server standing in for API Gateway and CloudFront in smoke tests,
//! and the recorded Pulumi CLI (`deploy-cli/tests/data/fake-pulumi`) bound to them.

#![allow(dead_code)] // Each test file uses its own part of the harness.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use aws_sdk_lambda::primitives::Blob;
use code_remote_moto::MotoServer;
use code_remote_pulumi::{function_ids, Pulumi, PulumiSettings};
use code_remote_release::{
    AwsClients, Manifest, ReleaseVersion, SmokeSettings, StackContext, StackName,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const ROLE: &str = "arn:aws:iam::123456789012:role/code-remote-lambda";

/// One test's world: its own moto server and workspace.
pub struct World {
    pub moto: MotoServer,
    pub aws: AwsClients,
    pub workspace: tempfile::TempDir,
    pub healthy: Arc<AtomicBool>,
    pub smoke_url: String,
    pub pulumi_log: PathBuf,
}

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data")
}

impl World {
    pub async fn new() -> World {
        std::env::set_var("PULUMI", data_dir().join("fake-pulumi"));
        let moto = MotoServer::start()
            .await
            .expect("moto_server (run scripts/setup-venv)");
        reqwest::Client::new()
            .post(format!("{}/moto-api/config", moto.url()))
            .json(&serde_json::json!({"lambda": {"use_docker": false}}))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
        create_role(&moto).await;
        let aws = AwsClients::from_config(&moto.sdk_config().await);
        let healthy = Arc::new(AtomicBool::new(true));
        let smoke_url = serve_stack(healthy.clone(), aws.s3.clone()).await;
        let workspace = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(workspace.path().join("stacks")).unwrap();
        let pulumi_log = workspace.path().join("pulumi.log");
        World {
            moto,
            aws,
            workspace,
            healthy,
            smoke_url,
            pulumi_log,
        }
    }

    pub fn root(&self) -> &Path {
        self.workspace.path()
    }

    /// Creates what `pulumi up` would have created for `stack`, with the functions running `release`.
    pub async fn provision(&self, stack: &str, release: &ReleaseVersion) -> String {
        for suffix in ["artifacts", "frontend"] {
            self.aws
                .s3
                .create_bucket()
                .bucket(format!("t-{stack}-{suffix}"))
                .send()
                .await
                .unwrap();
        }
        let manifest = Manifest::read(&self.release_dir(release)).unwrap();
        for function in function_ids() {
            let zip =
                std::fs::read(self.release_dir(release).join(format!("{function}.zip"))).unwrap();
            self.aws
                .lambda
                .create_function()
                .function_name(format!("t-{stack}-{function}"))
                .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
                .architectures(aws_sdk_lambda::types::Architecture::Arm64)
                .role(ROLE)
                .handler("bootstrap")
                .code(
                    aws_sdk_lambda::types::FunctionCode::builder()
                        .zip_file(Blob::new(zip))
                        .build(),
                )
                .publish(true)
                .send()
                .await
                .unwrap();
            self.aws
                .lambda
                .create_alias()
                .function_name(format!("t-{stack}-{function}"))
                .name("live")
                .function_version("1")
                .send()
                .await
                .unwrap();
        }
        assert_eq!(manifest.lambdas().len(), function_ids().len());
        // The worker's queue trigger, created disabled as the infra program creates it.
        let sqs = aws_sdk_sqs::Client::new(&self.moto.sdk_config().await);
        let queue = sqs
            .create_queue()
            .queue_name(format!("t-{stack}-execution"))
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let arn = sqs
            .get_queue_attributes()
            .queue_url(&queue)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
            .clone();
        self.aws
            .lambda
            .create_event_source_mapping()
            .event_source_arn(arn)
            .function_name(format!(
                "arn:aws:lambda:us-east-1:123456789012:function:t-{stack}-worker:live"
            ))
            .enabled(false)
            .send()
            .await
            .unwrap();
        std::fs::write(
            self.root().join(format!("stacks/{stack}.yaml")),
            "config:\n  aws:region: us-east-1\n",
        )
        .unwrap();
        self.create_distribution(stack).await
    }

    async fn create_distribution(&self, stack: &str) -> String {
        use aws_sdk_cloudfront::types::*;
        let origin = Origin::builder()
            .id("frontend")
            .domain_name(format!("t-{stack}-frontend.s3.us-east-1.amazonaws.com"))
            .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
            .build()
            .unwrap();
        let config = DistributionConfig::builder()
            .caller_reference(format!("t-{stack}"))
            .comment("test")
            .enabled(true)
            .origins(
                Origins::builder()
                    .quantity(1)
                    .items(origin)
                    .build()
                    .unwrap(),
            )
            .default_cache_behavior(
                DefaultCacheBehavior::builder()
                    .target_origin_id("frontend")
                    .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps)
                    .cache_policy_id("658327ea-f89d-4fab-a63d-7e88639e58f6")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let created = self
            .aws
            .cloudfront
            .create_distribution()
            .distribution_config(config)
            .send()
            .await
            .unwrap();
        created.distribution().unwrap().id().to_owned()
    }

    /// Simulates Pulumi's part of a deploy of `release`: the functions' code becomes its zips.
    pub async fn pulumi_deploys_code(&self, stack: &str, release: &ReleaseVersion) {
        for function in function_ids() {
            let zip =
                std::fs::read(self.release_dir(release).join(format!("{function}.zip"))).unwrap();
            self.aws
                .lambda
                .update_function_code()
                .function_name(format!("t-{stack}-{function}"))
                .zip_file(Blob::new(zip))
                .send()
                .await
                .unwrap();
        }
    }

    pub fn release_dir(&self, release: &ReleaseVersion) -> PathBuf {
        self.root()
            .join("target/release-artifacts")
            .join(release.as_str())
    }

    /// Writes a release: five distinct zips, an index.html and one hashed asset per release.
    pub fn build_release(&self, version: &str) -> ReleaseVersion {
        let release = ReleaseVersion::parse(version).unwrap();
        let dir = self.release_dir(&release);
        std::fs::create_dir_all(dir.join("frontend/assets")).unwrap();
        for function in function_ids() {
            std::fs::write(
                dir.join(format!("{function}.zip")),
                format!("{function} {version} zip"),
            )
            .unwrap();
        }
        std::fs::write(
            dir.join("frontend/index.html"),
            format!("<html>{version}</html>"),
        )
        .unwrap();
        let hash: String =
            code_remote_release::digest_bytes(version.as_bytes())[..8].to_uppercase();
        std::fs::write(
            dir.join(format!("frontend/assets/index-{hash}.js")),
            format!("console.log('{version}')"),
        )
        .unwrap();
        let manifest =
            Manifest::scan(&dir, release.clone(), "0123456789abcdef".to_owned()).unwrap();
        manifest.write(&dir).unwrap();
        release
    }

    /// The context of `stack`, Pulumi replaying the recording named by `up_file`.
    pub fn context(&self, stack: &str, distribution: &str, up_file: &str) -> StackContext {
        self.context_with(stack, distribution, up_file, &[])
    }

    /// Like [`World::context`], with more of the fake Pulumi's settings (`FAKE_PULUMI_*`).
    pub fn context_with(
        &self,
        stack: &str,
        distribution: &str,
        up_file: &str,
        extra: &[(&str, &str)],
    ) -> StackContext {
        let mut settings = PulumiSettings {
            program_dir: self.root().to_owned(),
            config_file: self.root().join(format!("stacks/{stack}.yaml")),
            stack: stack.to_owned(),
            release: "current".to_owned(),
            backend: Some("file://~".to_owned()),
            secrets_provider: None,
            create: true,
            env: vec![
                ("FAKE_PULUMI_PREFIX".to_owned(), "t".to_owned()),
                (
                    "FAKE_PULUMI_SMOKE_URL".to_owned(),
                    format!("{}/{stack}", self.smoke_url),
                ),
                (
                    "FAKE_PULUMI_DISTRIBUTION_ID".to_owned(),
                    distribution.to_owned(),
                ),
                ("FAKE_PULUMI_UP".to_owned(), up_file.to_owned()),
                (
                    "FAKE_PULUMI_LOG".to_owned(),
                    self.pulumi_log.display().to_string(),
                ),
            ],
        };
        settings.env.extend(
            extra
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned())),
        );
        StackContext {
            stack: StackName::parse(stack).unwrap(),
            aws: self.aws.clone(),
            pulumi: Pulumi::new(settings),
            actor: format!("tester@{stack}"),
            smoke: SmokeSettings {
                attempts: 1,
                delay: std::time::Duration::ZERO,
                timeout: std::time::Duration::from_secs(5),
            },
            lock_ttl: chrono::Duration::minutes(30),
            required_artifacts: Vec::new(),
        }
    }

    /// Queues the answers moto's Lambda gives to the next invocations (it has no handler to run).
    pub async fn queue_lambda_results(&self, results: &[serde_json::Value]) {
        let results: Vec<String> = results.iter().map(|r| r.to_string()).collect();
        reqwest::Client::new()
            .post(format!(
                "{}/moto-api/static/lambda-simple/response",
                self.moto.url()
            ))
            .json(&serde_json::json!({"results": results, "region": "us-east-1"}))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
    }

    pub async fn live_version(&self, stack: &str, function: &str) -> String {
        let alias = self
            .aws
            .lambda
            .get_alias()
            .function_name(format!("t-{stack}-{function}"))
            .name("live")
            .send()
            .await
            .unwrap();
        alias.function_version().unwrap().to_owned()
    }

    pub async fn code_sha(&self, stack: &str, function: &str, version: &str) -> String {
        let got = self
            .aws
            .lambda
            .get_function()
            .function_name(format!("t-{stack}-{function}"))
            .qualifier(version)
            .send()
            .await
            .unwrap();
        got.configuration()
            .unwrap()
            .code_sha256()
            .unwrap()
            .to_owned()
    }

    pub async fn object(&self, bucket: &str, key: &str) -> (String, Option<String>) {
        let got = self
            .aws
            .s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap();
        let cache = got.cache_control().map(str::to_owned);
        let body = got.body.collect().await.unwrap().into_bytes();
        (String::from_utf8_lossy(&body).into_owned(), cache)
    }

    pub async fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let listed = self
            .aws
            .s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .send()
            .await
            .unwrap();
        let mut keys: Vec<String> = listed
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect();
        keys.sort();
        keys
    }
}

/// moto's Lambda refuses a role IAM does not know; the IAM query API, spoken directly, creates it.
async fn create_role(moto: &MotoServer) {
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    reqwest::Client::new()
        .post(format!("{}/", moto.url()))
        .header("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0")
        .form(&[
            ("Action", "CreateRole"),
            ("Version", "2010-05-08"),
            ("RoleName", "code-remote-lambda"),
            ("AssumeRolePolicyDocument", policy),
        ])
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
}

/// A successful migration result, as the migrate Lambda's handler returns it.
pub fn migrated() -> serde_json::Value {
    serde_json::json!({"status": "ok", "databases": [
        {"database": "postgres", "applied": ["0005_connections"], "head": "0005_connections"},
        {"database": "neo4j", "applied": [], "head": "0002_vector_index"}
    ]})
}

/// A tiny HTTP server answering every request 200 (or 500 once `healthy` is false).
/// API Gateway and CloudFront for the smoke tests: `/{stack}/health` answers 200 with a healthy
/// database (or 503 when `healthy` is off); any other `/{stack}/{key}` is the object `key` of `t-{stack}-frontend` in moto
/// (`index.html` for `/{stack}/`), as CloudFront would serve it.
async fn serve_stack(healthy: Arc<AtomicBool>, s3: aws_sdk_s3::Client) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let healthy = healthy.clone();
            let s3 = s3.clone();
            tokio::spawn(async move {
                let mut buffer = [0_u8; 4096];
                let read = socket.read(&mut buffer).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buffer[..read]).into_owned();
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let mut parts = path.trim_start_matches('/').splitn(2, '/');
                let stack = parts.next().unwrap_or_default().to_owned();
                let key = parts.next().unwrap_or_default().to_owned();
                let (status, body) = if key == "health" || key.starts_with("health?") {
                    if healthy.load(Ordering::SeqCst) {
                        (
                            "200 OK",
                            br#"{"status":"healthy","checks":{"database":"ok"}}"#.to_vec(),
                        )
                    } else {
                        (
                            "503 Service Unavailable",
                            br#"{"status":"unhealthy","checks":{"database":"error"}}"#.to_vec(),
                        )
                    }
                } else {
                    let key = if key.is_empty() {
                        "index.html".to_owned()
                    } else {
                        key
                    };
                    let object = s3
                        .get_object()
                        .bucket(format!("t-{stack}-frontend"))
                        .key(key)
                        .send()
                        .await;
                    match object {
                        Ok(object) => (
                            "200 OK",
                            object
                                .body
                                .collect()
                                .await
                                .map(|b| b.into_bytes().to_vec())
                                .unwrap_or_default(),
                        ),
                        Err(_) => ("404 Not Found", b"no such object".to_vec()),
                    }
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&body).await;
            });
        }
    });
    url
}

impl World {
    /// The states of the event source mappings of `stack`'s functions.
    pub async fn trigger_states(&self, stack: &str) -> Vec<String> {
        let listed = self
            .aws
            .lambda
            .list_event_source_mappings()
            .send()
            .await
            .unwrap();
        listed
            .event_source_mappings()
            .iter()
            .filter(|m| {
                m.function_arn()
                    .is_some_and(|arn| arn.contains(&format!(":t-{stack}-")))
            })
            .map(|m| m.state().unwrap_or_default().to_owned())
            .collect()
    }
}
