//! Checks one ID token against the configured user pool.

use code_remote_config::CognitoConfig;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;

use crate::jwks::JwksCache;
use crate::AuthError;

/// The clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 60;

/// What the runtime uses from a verified ID token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Claims {
    /// The user's stable id in the pool.
    pub sub: String,
    /// The user's email, when the pool has one.
    #[serde(default)]
    pub email: Option<String>,
    /// The user's name in the pool.
    #[serde(default, rename = "cognito:username")]
    pub username: Option<String>,
    #[serde(default)]
    token_use: Option<String>,
}

/// Verifies Cognito ID tokens; one per process, shared by every request.
pub struct Verifier {
    jwks: JwksCache,
    validation: Validation,
}

impl Verifier {
    /// A verifier for the pool in `config`, fetching keys with `http`.
    pub fn new(config: &CognitoConfig, http: reqwest::Client) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.algorithms = vec![Algorithm::RS256];
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_audience(&[config.client_id.as_str()]);
        validation.set_issuer(&[config.issuer.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        Self {
            jwks: JwksCache::new(config.jwks_url.clone(), http),
            validation,
        }
    }

    /// Verifies `token` and returns its claims, or the reason it is refused.
    pub async fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(invalid)?;
        if header.alg != Algorithm::RS256 {
            return Err(AuthError::Invalid(format!(
                "algorithm {:?} is not accepted",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| AuthError::Invalid("token has no key id".to_owned()))?;
        let key = self.jwks.key(&kid).await?;
        let data =
            jsonwebtoken::decode::<Claims>(token, &key, &self.validation).map_err(invalid)?;
        if data.claims.token_use.as_deref() != Some("id") {
            return Err(AuthError::Invalid("not an ID token".to_owned()));
        }
        data.claims.storable()
    }
}

/// The longest claim a user row keeps (`varchar(255)`).
pub const MAX_CLAIM_CHARS: usize = 255;

fn storable(value: &str) -> bool {
    !value.is_empty() && value.chars().count() <= MAX_CLAIM_CHARS && !value.contains('\0')
}

impl Claims {
    /// The claims as a user row can keep them: a subject that cannot be stored (empty, over
    /// [`MAX_CLAIM_CHARS`], or holding NUL) makes the token unusable (401); an email or user name
    /// that cannot is dropped, since neither identifies the user.
    fn storable(mut self) -> Result<Self, AuthError> {
        if !storable(&self.sub) {
            return Err(AuthError::Invalid(format!(
                "the token's subject is empty, longer than {MAX_CLAIM_CHARS} characters or holds NUL"
            )));
        }
        self.email = self.email.filter(|email| storable(email));
        self.username = self.username.filter(|name| storable(name));
        Ok(self)
    }
}

fn invalid(err: jsonwebtoken::errors::Error) -> AuthError {
    match err.kind() {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::InvalidAudience => AuthError::Audience,
        ErrorKind::InvalidIssuer => AuthError::Issuer,
        ErrorKind::ImmatureSignature => AuthError::Invalid("token is not valid yet".to_owned()),
        ErrorKind::InvalidSignature => AuthError::Invalid("invalid signature".to_owned()),
        ErrorKind::InvalidAlgorithm => AuthError::Invalid("algorithm is not accepted".to_owned()),
        ErrorKind::MissingRequiredClaim(claim) => {
            AuthError::Invalid(format!("missing required claim {claim}"))
        }
        _ => AuthError::Invalid("malformed token".to_owned()),
    }
}
