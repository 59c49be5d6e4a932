//! What the rendered program declares that the functions touch, made real on this machine:
//! Aurora as an ephemeral PostgreSQL on a loopback address of its own (port 5432, TLS, the
//! program's master user and database), the queues, secrets and user pool in moto under the
//! program's own names and settings, and the WebSocket stage's Management API as a local
//! server that records every frame pushed to a connection.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};

use code_remote_ephemeral_postgres::{EphemeralPostgres, Options};
use code_remote_infra::environment::Reference;
use code_remote_moto::{Cognito, MotoServer};
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};

use crate::{RehearsalError, Secrets};

/// The rehearsal user: signs in to the program's pool as the web app does.
pub const USER_EMAIL: &str = "rehearsal@example.com";
const USER_PASSWORD: &str = "Rehearsal-password-1";

/// A frame pushed through the Management API: the connection and the bytes.
pub type Pushed = Arc<Mutex<Vec<(String, Value)>>>;

/// Everything the functions reach, and the values of the program's references.
pub struct World {
    /// The stack's region (`aws:region`).
    pub region: String,
    /// moto, the AWS endpoint of every function.
    pub moto: MotoServer,
    /// SDK configuration for moto in the stack's region.
    pub aws: aws_config::SdkConfig,
    /// The cluster standing for Aurora.
    pub postgres: EphemeralPostgres,
    /// Frames the functions pushed to WebSocket connections.
    pub pushed: Pushed,
    /// The Management API's base URL (`http://127.0.0.1:port`).
    pub management_url: String,
    /// An ID token of the rehearsal user, issued by the program's pool.
    pub id_token: String,
    /// Its claims, as API Gateway's JWT authorizer passes them on.
    pub claims: Value,
    outputs: BTreeMap<(String, String), String>,
}

impl World {
    /// The value AWS would give `reference` in this world.
    pub fn output(&self, reference: &Reference) -> Option<String> {
        self.outputs
            .get(&(reference.resource.clone(), reference.path.clone()))
            .cloned()
    }

    /// The URL of a queue the program declares, by logical name.
    pub fn queue_url(&self, logical: &str) -> Result<String, RehearsalError> {
        self.outputs
            .get(&(logical.to_owned(), "url".to_owned()))
            .cloned()
            .ok_or_else(|| RehearsalError::Program(format!("no queue {logical}")))
    }

    /// Builds the world for `program` (the JSON render) of a stack in `region`.
    pub async fn build(
        program: &Value,
        region: &str,
        secrets: Secrets,
    ) -> Result<Self, RehearsalError> {
        let resources = program["resources"]
            .as_object()
            .ok_or_else(|| RehearsalError::Program("no resources".to_owned()))?;
        let region = region.to_owned();
        let (moto, postgres) = tokio::join!(MotoServer::start(), start_postgres());
        let moto = moto.map_err(|err| RehearsalError::Setup(format!("starting moto: {err}")))?;
        let postgres = postgres?;
        let aws = moto.sdk_config_in(&region).await;
        let mut outputs = BTreeMap::new();

        for (logical, resource) in resources {
            if resource["type"] == "aws:rds/cluster:Cluster" {
                let secret_arn = database(&postgres, &aws, &resource["properties"]).await?;
                outputs.insert(
                    (logical.clone(), "endpoint".to_owned()),
                    postgres.address().to_string(),
                );
                outputs.insert(
                    (logical.clone(), "masterUserSecrets[0].secretArn".to_owned()),
                    secret_arn,
                );
            }
        }
        queues(resources, &aws, &mut outputs).await?;
        application_secrets(resources, &aws, secrets, &mut outputs).await?;
        let cognito = Cognito::in_region(&moto, &region);
        let (id_token, claims) = user_pool(resources, &cognito, &mut outputs).await?;
        let (management_url, pushed) = management_api().await?;
        for (logical, resource) in resources {
            if resource["type"] == "aws:apigatewayv2/api:Api" {
                outputs.insert(
                    (logical.clone(), "id".to_owned()),
                    format!("{logical}-rehearsal"),
                );
            }
        }
        Ok(Self {
            region,
            moto,
            aws,
            postgres,
            pushed,
            management_url,
            id_token,
            claims,
            outputs,
        })
    }
}

/// Aurora stands here as a cluster on a loopback address of its own, so that it listens on
/// PostgreSQL's default port like Aurora (the functions get no DATABASE_PORT) and serves TLS
/// (the runtime requires it against a secret-configured database).
async fn start_postgres() -> Result<EphemeralPostgres, RehearsalError> {
    let seed = uuid::Uuid::new_v4().as_u128();
    let address = Ipv4Addr::new(
        127,
        42,
        (seed % 250) as u8 + 1,
        ((seed >> 8) % 250) as u8 + 2,
    );
    EphemeralPostgres::start_with(Options {
        address,
        port: Some(5432),
        tls: true,
        ..Options::default()
    })
    .await
    .map_err(|err| RehearsalError::Setup(format!("starting PostgreSQL on {address}:5432: {err}")))
}

/// The program's master user and database in the cluster, and the RDS-managed secret naming
/// them (`{username, password}`, as RDS writes it).
async fn database(
    postgres: &EphemeralPostgres,
    aws: &aws_config::SdkConfig,
    properties: &Value,
) -> Result<String, RehearsalError> {
    let user = properties["masterUsername"].as_str().unwrap_or("postgres");
    let name = properties["databaseName"].as_str().unwrap_or("postgres");
    let password = uuid::Uuid::new_v4().simple().to_string();
    let failed = |what: &str, err: sqlx::Error| RehearsalError::Setup(format!("{what}: {err}"));
    let mut admin = PgConnection::connect(&postgres.admin_url())
        .await
        .map_err(|err| failed("connecting to the rehearsal cluster", err))?;
    // Aurora's master user is no superuser: it holds rds_superuser (roles, databases, trusted
    // extensions) and owns the database. The rehearsal's user gets no more than that, so a
    // migration that needs a true superuser fails here as it would on Aurora.
    for statement in [
        format!("CREATE ROLE \"{user}\" LOGIN CREATEDB CREATEROLE PASSWORD '{password}'"),
        format!("CREATE DATABASE \"{name}\" OWNER \"{user}\""),
    ] {
        sqlx::raw_sql(&statement)
            .execute(&mut admin)
            .await
            .map_err(|err| failed("creating the master user and database", err))?;
    }
    let secret = aws_sdk_secretsmanager::Client::new(aws)
        .create_secret()
        .name(format!("rds!cluster-{}", uuid::Uuid::new_v4()))
        .secret_string(json!({"username": user, "password": password}).to_string())
        .send()
        .await
        .map_err(|err| RehearsalError::aws("secretsmanager:CreateSecret", err))?;
    secret
        .arn
        .ok_or_else(|| RehearsalError::Setup("CreateSecret returned no ARN".to_owned()))
}

/// Every queue with the program's name, FIFO settings, visibility timeout and redrive policy
/// (dead-letter queues first, so that the policies can name them).
async fn queues(
    resources: &serde_json::Map<String, Value>,
    aws: &aws_config::SdkConfig,
    outputs: &mut BTreeMap<(String, String), String>,
) -> Result<(), RehearsalError> {
    let sqs = aws_sdk_sqs::Client::new(aws);
    let mut pending: Vec<(&String, &Value)> = resources
        .iter()
        .filter(|(_, r)| r["type"] == "aws:sqs/queue:Queue")
        .collect();
    pending.sort_by_key(|(_, r)| !r["properties"]["redrivePolicy"].is_null());
    for (logical, resource) in pending {
        let properties = &resource["properties"];
        let name = properties["name"]
            .as_str()
            .ok_or_else(|| RehearsalError::Program(format!("queue {logical} has no name")))?;
        let mut request = sqs.create_queue().queue_name(name);
        let mut attribute = |key: aws_sdk_sqs::types::QueueAttributeName, value: String| {
            request = request.clone().attributes(key, value);
        };
        use aws_sdk_sqs::types::QueueAttributeName as Name;
        if properties["fifoQueue"] == true {
            attribute(Name::FifoQueue, "true".to_owned());
        }
        if properties["contentBasedDeduplication"] == true {
            attribute(Name::ContentBasedDeduplication, "true".to_owned());
        }
        if let Some(seconds) = properties["visibilityTimeoutSeconds"].as_u64() {
            attribute(Name::VisibilityTimeout, seconds.to_string());
        }
        if let Some(policy) = properties["redrivePolicy"].get("fn::toJSON") {
            let target = policy["deadLetterTargetArn"]
                .as_str()
                .and_then(|text| text.strip_prefix("${"))
                .and_then(|text| text.strip_suffix(".arn}"))
                .and_then(|dlq| outputs.get(&(dlq.to_owned(), "arn".to_owned())))
                .ok_or_else(|| {
                    RehearsalError::Program(format!("queue {logical}: unresolvable redrive target"))
                })?;
            let policy = json!({
                "deadLetterTargetArn": target,
                "maxReceiveCount": policy["maxReceiveCount"],
            });
            attribute(Name::RedrivePolicy, policy.to_string());
        }
        let created = request
            .send()
            .await
            .map_err(|err| RehearsalError::aws("sqs:CreateQueue", err))?;
        let url = created.queue_url.unwrap_or_default();
        let attributes = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(Name::QueueArn)
            .send()
            .await
            .map_err(|err| RehearsalError::aws("sqs:GetQueueAttributes", err))?;
        let arn = attributes
            .attributes
            .and_then(|a| a.get(&Name::QueueArn).cloned())
            .unwrap_or_default();
        outputs.insert((logical.clone(), "url".to_owned()), url);
        outputs.insert((logical.clone(), "arn".to_owned()), arn);
    }
    Ok(())
}

/// The application secrets under the program's names: created empty, as Pulumi creates them,
/// and with [`Secrets::Filled`] given the value an operator sets with `deploy secrets set`.
async fn application_secrets(
    resources: &serde_json::Map<String, Value>,
    aws: &aws_config::SdkConfig,
    secrets: Secrets,
    outputs: &mut BTreeMap<(String, String), String>,
) -> Result<(), RehearsalError> {
    let client = aws_sdk_secretsmanager::Client::new(aws);
    for (logical, resource) in resources {
        if resource["type"] != "aws:secretsmanager/secret:Secret" {
            continue;
        }
        let name = resource["properties"]["name"]
            .as_str()
            .ok_or_else(|| RehearsalError::Program(format!("secret {logical} has no name")))?;
        let created = client
            .create_secret()
            .name(name)
            .send()
            .await
            .map_err(|err| RehearsalError::aws("secretsmanager:CreateSecret", err))?;
        let arn = created.arn.unwrap_or_default();
        // Only the Gemini key is filled: a Neo4j value would point the functions at a Bolt
        // server, and none runs on this machine (issue 20).
        if secrets == Secrets::Filled && name.ends_with("-gemini-api-key") {
            client
                .put_secret_value()
                .secret_id(&arn)
                .secret_string(json!({"api_key": "rehearsal-not-a-real-key"}).to_string())
                .send()
                .await
                .map_err(|err| RehearsalError::aws("secretsmanager:PutSecretValue", err))?;
        }
        outputs.insert((logical.clone(), "arn".to_owned()), arn);
    }
    Ok(())
}

/// The program's user pool and web client, a confirmed user, and its ID token from the sign-in
/// flow the web app uses (`USER_PASSWORD_AUTH`, which the program's client allows).
async fn user_pool(
    resources: &serde_json::Map<String, Value>,
    cognito: &Cognito,
    outputs: &mut BTreeMap<(String, String), String>,
) -> Result<(String, Value), RehearsalError> {
    let of_type = |token: &str| {
        resources
            .iter()
            .find(|(_, r)| r["type"] == token)
            .ok_or_else(|| RehearsalError::Program(format!("no {token}")))
    };
    let (pool_logical, pool) = of_type("aws:cognito/userPool:UserPool")?;
    let (client_logical, client) = of_type("aws:cognito/userPoolClient:UserPoolClient")?;
    let refused = |err: code_remote_moto::MotoError| RehearsalError::Setup(err.to_string());
    let created = cognito
        .call(
            "CreateUserPool",
            json!({
                "PoolName": pool["properties"]["name"],
                "UsernameAttributes": pool["properties"]["usernameAttributes"],
                "AutoVerifiedAttributes": pool["properties"]["autoVerifiedAttributes"],
            }),
        )
        .await
        .map_err(refused)?;
    let pool_id = created["UserPool"]["Id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let flows = client["properties"]["explicitAuthFlows"].clone();
    let created = cognito
        .call(
            "CreateUserPoolClient",
            json!({
                "UserPoolId": pool_id,
                "ClientName": client["properties"]["name"],
                "ExplicitAuthFlows": flows,
            }),
        )
        .await
        .map_err(refused)?;
    let client_id = created["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for (action, body) in [
        (
            "AdminCreateUser",
            json!({"UserPoolId": pool_id, "Username": USER_EMAIL, "MessageAction": "SUPPRESS",
                   "UserAttributes": [{"Name": "email", "Value": USER_EMAIL},
                                      {"Name": "email_verified", "Value": "true"}]}),
        ),
        (
            "AdminSetUserPassword",
            json!({"UserPoolId": pool_id, "Username": USER_EMAIL, "Password": USER_PASSWORD,
                   "Permanent": true}),
        ),
    ] {
        cognito.call(action, body).await.map_err(refused)?;
    }
    let signed_in = cognito
        .call(
            "InitiateAuth",
            json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": USER_EMAIL, "PASSWORD": USER_PASSWORD}}),
        )
        .await
        .map_err(refused)?;
    let id_token = signed_in["AuthenticationResult"]["IdToken"]
        .as_str()
        .ok_or_else(|| RehearsalError::Setup(format!("no ID token in {signed_in}")))?
        .to_owned();
    let claims = jwt_claims(&id_token)?;
    outputs.insert((pool_logical.clone(), "id".to_owned()), pool_id);
    outputs.insert((client_logical.clone(), "id".to_owned()), client_id);
    Ok((id_token, claims))
}

/// The claims of a JWT, as API Gateway's authorizer hands them to the function (string values).
fn jwt_claims(token: &str) -> Result<Value, RehearsalError> {
    use base64::Engine as _;
    let payload = token
        .split('.')
        .nth(1)
        .and_then(|part| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .ok_or_else(|| RehearsalError::Setup("the ID token is not a JWT".to_owned()))?;
    let claims: serde_json::Map<String, Value> = payload
        .as_object()
        .map(|fields| {
            fields
                .iter()
                .map(|(k, v)| {
                    let text = v
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string());
                    (k.clone(), Value::String(text))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Value::Object(claims))
}

/// The WebSocket stage's Management API: `POST /{stage}/@connections/{id}` is recorded and
/// answered 200, as API Gateway answers for a live connection.
async fn management_api() -> Result<(String, Pushed), RehearsalError> {
    use axum::extract::{Path, State};
    let pushed: Pushed = Arc::default();
    let app = axum::Router::new()
        .route(
            "/{stage}/@connections/{id}",
            axum::routing::post(
                |State(pushed): State<Pushed>,
                 Path((_stage, id)): Path<(String, String)>,
                 body: axum::body::Bytes| async move {
                    let frame = serde_json::from_slice(&body)
                        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into()));
                    if let Ok(mut pushed) = pushed.lock() {
                        pushed.push((id, frame));
                    }
                    axum::http::StatusCode::OK
                },
            ),
        )
        .with_state(pushed.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|err| RehearsalError::Setup(format!("binding the Management API: {err}")))?;
    let url = format!(
        "http://{}",
        listener
            .local_addr()
            .map_err(|err| RehearsalError::Setup(err.to_string()))?
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((url, pushed))
}
