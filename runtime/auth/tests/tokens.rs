//! Token verification against moto's Cognito: its real ID tokens pass, forged variants signed with
//! its own key (or not signed properly) fail with the contract's 401 details.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use code_remote_auth::{AuthError, Verifier};
use code_remote_moto::{signing_jwk, Cognito, MotoServer, UserPool};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::{BigUint, RsaPrivateKey};
use serde_json::{json, Value};

struct Fixture {
    pool: UserPool,
    token: String,
    verifier: Verifier,
}

async fn fixture() -> Fixture {
    let server = MotoServer::shared().await.expect("moto");
    let cognito = Cognito::new(server);
    let pool = cognito.create_pool().await.expect("pool");
    let token = cognito.new_user_token(&pool).await.expect("token");
    let verifier = Verifier::new(&pool.cognito_config(), reqwest::Client::new());
    Fixture {
        pool,
        token,
        verifier,
    }
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("json")
}

fn moto_key() -> RsaPrivateKey {
    let jwk = signing_jwk().expect("moto signing key");
    let int = |name: &str| {
        let text = jwk[name].as_str().expect("jwk field");
        BigUint::from_bytes_be(&URL_SAFE_NO_PAD.decode(text).expect("jwk base64"))
    };
    RsaPrivateKey::from_components(int("n"), int("e"), int("d"), Vec::new()).expect("rsa key")
}

fn sign(claims: &Value, kid: &str) -> String {
    let der = moto_key().to_pkcs1_der().expect("der");
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_der(der.as_bytes())).expect("sign")
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

#[tokio::test]
async fn a_token_issued_by_moto_is_accepted() {
    let fixture = fixture().await;
    let claims = fixture
        .verifier
        .verify(&fixture.token)
        .await
        .expect("valid");
    assert_eq!(
        claims.sub,
        claims_of(&fixture.token)["sub"].as_str().unwrap()
    );
    assert!(claims
        .username
        .is_some_and(|name| name.starts_with("user-")));
}

#[tokio::test]
async fn a_token_signed_again_with_moto_key_is_accepted() {
    let fixture = fixture().await;
    let token = sign(&claims_of(&fixture.token), "dummy");
    assert!(fixture.verifier.verify(&token).await.is_ok());
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let fixture = fixture().await;
    let mut claims = claims_of(&fixture.token);
    claims["exp"] = json!(now() - 120);
    let err = fixture
        .verifier
        .verify(&sign(&claims, "dummy"))
        .await
        .unwrap_err();
    assert_eq!(err, AuthError::Expired);
    assert_eq!(err.to_string(), "Token has expired");
}

#[tokio::test]
async fn expiry_within_the_leeway_is_accepted() {
    let fixture = fixture().await;
    let mut claims = claims_of(&fixture.token);
    claims["exp"] = json!(now() - 20);
    assert!(fixture
        .verifier
        .verify(&sign(&claims, "dummy"))
        .await
        .is_ok());
}

#[tokio::test]
async fn a_token_not_yet_valid_is_refused() {
    let fixture = fixture().await;
    let mut claims = claims_of(&fixture.token);
    claims["nbf"] = json!(now() + 600);
    let err = fixture
        .verifier
        .verify(&sign(&claims, "dummy"))
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::Invalid(_)));
}

#[tokio::test]
async fn a_wrong_audience_is_refused() {
    let fixture = fixture().await;
    let mut claims = claims_of(&fixture.token);
    claims["aud"] = json!("another-client");
    let err = fixture
        .verifier
        .verify(&sign(&claims, "dummy"))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "Invalid token audience");
}

#[tokio::test]
async fn a_token_from_another_pool_is_refused() {
    let fixture = fixture().await;
    let server = MotoServer::shared().await.expect("moto");
    let cognito = Cognito::new(server);
    let other = cognito.create_pool().await.expect("pool");
    let mut claims = claims_of(&fixture.token);
    claims["iss"] = json!(other.issuer);
    let err = fixture
        .verifier
        .verify(&sign(&claims, "dummy"))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "Invalid token issuer");
    assert_ne!(other.pool_id, fixture.pool.pool_id);
}

#[tokio::test]
async fn an_access_token_is_refused() {
    let fixture = fixture().await;
    let mut claims = claims_of(&fixture.token);
    claims["token_use"] = json!("access");
    let err = fixture
        .verifier
        .verify(&sign(&claims, "dummy"))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "Token validation failed: not an ID token");
}

#[tokio::test]
async fn alg_none_is_refused() {
    let fixture = fixture().await;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT","kid":"dummy"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims_of(&fixture.token).to_string());
    let err = fixture
        .verifier
        .verify(&format!("{header}.{payload}."))
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("Token validation failed: "));
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_refused() {
    let fixture = fixture().await;
    let public = moto_key()
        .to_public_key()
        .to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
        .expect("pem");
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("dummy".to_owned());
    let token = jsonwebtoken::encode(
        &header,
        &claims_of(&fixture.token),
        &EncodingKey::from_secret(public.as_bytes()),
    )
    .expect("sign");
    let err = fixture.verifier.verify(&token).await.unwrap_err();
    assert!(err.to_string().starts_with("Token validation failed: "));
}

#[tokio::test]
async fn a_tampered_payload_is_refused() {
    let fixture = fixture().await;
    let mut claims = claims_of(&fixture.token);
    claims["sub"] = json!("someone-else");
    let parts: Vec<&str> = fixture.token.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    let err = fixture.verifier.verify(&forged).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "Token validation failed: invalid signature"
    );
}

#[tokio::test]
async fn an_unknown_key_id_is_refused() {
    let fixture = fixture().await;
    let token = sign(&claims_of(&fixture.token), "not-in-the-jwks");
    let err = fixture.verifier.verify(&token).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "Token validation failed: signing key not found"
    );
}

#[tokio::test]
async fn garbage_is_refused() {
    let fixture = fixture().await;
    let err = fixture.verifier.verify("not.a.token").await.unwrap_err();
    assert!(matches!(err, AuthError::Invalid(_)));
}

#[tokio::test]
async fn claims_a_user_row_cannot_hold_are_refused_or_dropped() {
    let fixture = fixture().await;
    // A subject that cannot be stored makes the token unusable (401, not a database error).
    for sub in ["x".repeat(256), "a\u{0}b".to_owned(), String::new()] {
        let mut claims = claims_of(&fixture.token);
        claims["sub"] = json!(sub);
        let err = fixture
            .verifier
            .verify(&sign(&claims, "dummy"))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, AuthError::Invalid(reason) if reason.contains("subject")),
            "{err}"
        );
    }
    // An email or user name that cannot be stored is dropped; the user still signs in.
    let mut claims = claims_of(&fixture.token);
    claims["email"] = json!(format!("{}@example.com", "e".repeat(300)));
    claims["cognito:username"] = json!("bad\u{0}name");
    let verified = fixture
        .verifier
        .verify(&sign(&claims, "dummy"))
        .await
        .unwrap();
    assert_eq!(verified.email, None);
    assert_eq!(verified.username, None);
}
