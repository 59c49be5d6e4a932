//! The database secret read from moto's Secrets Manager, as the Lambdas read RDS's managed secret.

use code_remote_config::DatabaseSource;
use code_remote_credentials::{connect_options, keep_fresh};
use code_remote_moto::MotoServer;

/// A new database secret holding `value`; its ARN.
async fn database_secret(client: &aws_sdk_secretsmanager::Client, value: &str) -> String {
    client
        .create_secret()
        .name(format!("db-{}", uuid::Uuid::new_v4().simple()))
        .secret_string(value)
        .send()
        .await
        .expect("secret")
        .arn
        .expect("arn")
}

#[tokio::test]
async fn a_secret_and_the_host_settings_make_the_connection_options() {
    let moto = MotoServer::shared().await.expect("moto");
    let aws = moto.sdk_config().await;
    let client = aws_sdk_secretsmanager::Client::new(&aws);
    let arn = database_secret(
        &client,
        r#"{"username": "app", "password": "p@ss:/word", "port": 6543}"#,
    )
    .await;
    let source = DatabaseSource::Secret {
        arn: arn.clone(),
        host: Some("cluster.example".into()),
        name: Some("coderemote".into()),
        port: None,
    };
    let options = connect_options(&source, &aws).await.expect("options");
    assert_eq!(options.get_host(), "cluster.example");
    assert_eq!(options.get_port(), 6543);
    assert_eq!(options.get_username(), "app");
    assert_eq!(options.get_database(), Some("coderemote"));

    let without_host = DatabaseSource::Secret {
        arn,
        host: None,
        name: Some("coderemote".into()),
        port: None,
    };
    let err = connect_options(&without_host, &aws).await.unwrap_err();
    assert!(err.to_string().contains("DATABASE_HOST"), "{err}");
}

#[tokio::test]
async fn an_unknown_secret_names_the_variable() {
    let moto = MotoServer::shared().await.expect("moto");
    let aws = moto.sdk_config().await;
    let source = DatabaseSource::Secret {
        arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:missing".into(),
        host: Some("h".into()),
        name: Some("d".into()),
        port: None,
    };
    let err = connect_options(&source, &aws).await.unwrap_err();
    assert!(err.to_string().contains("DATABASE_SECRET_ARN"), "{err}");
}

#[tokio::test]
async fn a_rotated_secret_reaches_the_pool_s_new_connections() {
    let moto = MotoServer::shared().await.expect("moto");
    let aws = moto.sdk_config().await;
    let client = aws_sdk_secretsmanager::Client::new(&aws);
    let arn = database_secret(&client, r#"{"username": "app", "password": "before"}"#).await;
    let source = DatabaseSource::Secret {
        arn: arn.clone(),
        host: Some("cluster.example".into()),
        name: Some("coderemote".into()),
        port: None,
    };
    let pool = sqlx::postgres::PgPoolOptions::new()
        .connect_lazy_with(connect_options(&source, &aws).await.expect("options"));
    keep_fresh(
        pool.clone(),
        source,
        aws.clone(),
        std::time::Duration::from_millis(100),
    );
    assert_eq!(pool.connect_options().get_username(), "app");
    // RDS rotates the managed secret (here: a new user as well, which options expose).
    client
        .put_secret_value()
        .secret_id(&arn)
        .secret_string(r#"{"username": "app2", "password": "after"}"#)
        .send()
        .await
        .expect("rotation");
    let mut seen = String::new();
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        seen = pool.connect_options().get_username().to_owned();
        if seen == "app2" {
            break;
        }
    }
    assert_eq!(
        seen, "app2",
        "the pool still connects with the old credentials"
    );
    pool.close().await;
}
