//! `deploy local token --user NAME`: an ID token of a running stack's pool, for curl and tests.

use code_remote_moto::{fresh_password, UserPool};

use crate::state::StackDir;
use crate::{aws, outputs, Error, LocalName};

/// Creates `username` in stack `name`'s pool if needed and returns a fresh ID token for it.
pub async fn token(name: &LocalName, username: &str) -> Result<String, Error> {
    let outputs = outputs::read(name)?;
    let demo = StackDir::of(name).read()?.and_then(|state| state.demo);
    let pool = UserPool {
        pool_id: outputs.user_pool_id,
        client_id: outputs.user_pool_client_id,
        issuer: outputs.cognito_issuer,
        jwks_url: outputs.jwks_url,
    };
    let cognito = aws::cognito(&outputs.aws_endpoint_url);
    // The demo user keeps the password printed at start-up; others get a fresh one each time.
    let password = match demo {
        Some(demo) if demo.username == username => demo.password,
        _ => fresh_password(),
    };
    cognito.ensure_user(&pool, username, &password).await?;
    Ok(cognito.id_token(&pool, username, &password).await?)
}
