//! Users of a stack's pool: created confirmed with a password, signed in for ID tokens.

use serde_json::json;

use crate::aws::{string_at, UserPool, Wire};
use crate::Error;

/// Makes sure `username` exists, confirmed, with `password` as its permanent password.
pub async fn ensure_user(
    aws: &Wire,
    pool: &UserPool,
    username: &str,
    password: &str,
) -> Result<(), Error> {
    let created = aws
        .cognito(
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
        Err(Error::Aws { detail, .. }) if detail.contains("UsernameExistsException") => {}
        Err(other) => return Err(other),
    }
    aws.cognito(
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

/// Signs in through the public client with `USER_PASSWORD_AUTH`, as the web app does.
pub async fn id_token(
    aws: &Wire,
    pool: &UserPool,
    username: &str,
    password: &str,
) -> Result<String, Error> {
    let answer = aws
        .cognito(
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

/// A password that satisfies Cognito's default policy, fresh for each call.
pub fn fresh_password() -> String {
    format!("Pw-{}-9a", uuid::Uuid::new_v4().simple())
}
