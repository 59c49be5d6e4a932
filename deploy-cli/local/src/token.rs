//! `deploy local token --user NAME`: an ID token of a running stack's pool, for curl and tests.

use crate::aws::{UserPool, Wire};
use crate::state::StackDir;
use crate::{outputs, users, Error, StackName};

/// Creates `username` in stack `name`'s pool if needed and returns a fresh ID token for it.
pub async fn token(name: &StackName, username: &str) -> Result<String, Error> {
    let outputs = outputs::read(name)?;
    let demo = StackDir::of(name).read()?.and_then(|state| state.demo);
    let pool = UserPool {
        pool_id: outputs.user_pool_id,
        client_id: outputs.user_pool_client_id,
    };
    let aws = Wire::new(&outputs.aws_endpoint_url);
    // The demo user keeps the password printed at start-up; others get a fresh one each time.
    let password = match demo {
        Some(demo) if demo.username == username => demo.password,
        _ => users::fresh_password(),
    };
    users::ensure_user(&aws, &pool, username, &password).await?;
    users::id_token(&aws, &pool, username, &password).await
}
