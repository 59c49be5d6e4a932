//! Verification of Cognito ID tokens, the only credential the API accepts.
//!
//! Tokens must be RS256-signed by a key of the user pool's JWKS (cached, refreshed when a token names
//! an unknown `kid`), carry the configured issuer and audience, `token_use = id`, and be within their
//! validity window with at most 60 s of clock skew. Each failure maps to one of the 401 details of the
//! API contract, so clients can tell an expired session from a forged token.
#![deny(missing_docs)]

mod error;
mod extract;
mod jwks;
mod verifier;

pub use error::AuthError;
pub use extract::{bearer_token, Authenticated};
pub use verifier::{Claims, Verifier};
