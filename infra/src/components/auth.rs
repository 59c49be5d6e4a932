//! Cognito: a user pool with e-mail sign-in and a public app client (SRP and refresh, no secret)
//! whose callback URLs include the CloudFront URL.

use crate::components::Context;
use crate::config::Mfa;
use crate::error::InfraError;
use crate::model::{concat, list, map, Program, Resource, ResourceRef, Value};

/// References to the identity provider.
#[derive(Debug, Clone)]
pub struct Auth {
    /// The user pool.
    pub pool: ResourceRef,
    /// The public client.
    pub client: ResourceRef,
    /// `https://cognito-idp.<stack region>.amazonaws.com/<pool id>` (the original hard-coded the region).
    pub issuer: Value,
}

/// The JWT issuer of a user pool in `region`.
pub fn issuer(region: &str, pool: &ResourceRef) -> Value {
    concat([
        Value::from(format!("https://cognito-idp.{region}.amazonaws.com/")),
        pool.id().into(),
    ])
}

/// Declares the pool and the client; `frontend_url` is the CloudFront URL.
pub fn build(
    program: &mut Program,
    ctx: &Context<'_>,
    frontend_url: &Value,
) -> Result<Auth, InfraError> {
    let cfg = ctx.config;
    let n = &ctx.naming;
    let mut pool = Resource::new("userPool", "aws:cognito/userPool:UserPool")
        .prop("name", n.name("users"))
        .prop("usernameAttributes", list(["email"]))
        .prop("autoVerifiedAttributes", list(["email"]))
        .prop(
            "passwordPolicy",
            map([
                ("minimumLength", Value::Int(12)),
                ("requireLowercase", true.into()),
                ("requireUppercase", true.into()),
                ("requireNumbers", true.into()),
                ("requireSymbols", false.into()),
                ("temporaryPasswordValidityDays", Value::Int(3)),
            ]),
        )
        .prop(
            "accountRecoverySetting",
            map([(
                "recoveryMechanisms",
                list([map([
                    ("name", Value::from("verified_email")),
                    ("priority", Value::Int(1)),
                ])]),
            )]),
        )
        .prop(
            "deletionProtection",
            if cfg.deletion_protection {
                "ACTIVE"
            } else {
                "INACTIVE"
            },
        )
        .prop("tags", n.tags("users"));
    pool = match cfg.mfa {
        Mfa::Off => pool.prop("mfaConfiguration", "OFF"),
        Mfa::Optional => pool
            .prop("mfaConfiguration", "OPTIONAL")
            .prop("softwareTokenMfaConfiguration", map([("enabled", true)])),
    };
    let pool = program.add(pool.protect(cfg.deletion_protection))?;
    let mut callbacks = vec![frontend_url.clone()];
    if let Some(domain) = &cfg.domain {
        callbacks.push(Value::from(format!("https://{domain}")));
    }
    if !ctx.is_prod() {
        callbacks.push(Value::from("http://localhost:5173"));
    }
    let tv = cfg.token_validity;
    let client = program.add(
        Resource::new(
            "userPoolClient",
            "aws:cognito/userPoolClient:UserPoolClient",
        )
        .prop("name", n.name("web"))
        .prop("userPoolId", pool.id())
        .prop("generateSecret", false)
        // The web app signs in with USER_PASSWORD_AUTH (password over TLS straight to Cognito,
        // no SDK in the bundle); SRP stays enabled for other clients.
        .prop(
            "explicitAuthFlows",
            list([
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ]),
        )
        .prop("preventUserExistenceErrors", "ENABLED")
        .prop("enableTokenRevocation", true)
        .prop("supportedIdentityProviders", list(["COGNITO"]))
        .prop("allowedOauthFlowsUserPoolClient", true)
        .prop("allowedOauthFlows", list(["code"]))
        .prop("allowedOauthScopes", list(["openid", "email", "profile"]))
        .prop("callbackUrls", Value::List(callbacks.clone()))
        .prop("logoutUrls", Value::List(callbacks))
        .prop("accessTokenValidity", tv.access_minutes)
        .prop("idTokenValidity", tv.id_minutes)
        .prop("refreshTokenValidity", tv.refresh_days)
        .prop(
            "tokenValidityUnits",
            map([
                ("accessToken", "minutes"),
                ("idToken", "minutes"),
                ("refreshToken", "days"),
            ]),
        ),
    )?;
    let issuer = issuer(&cfg.region, &pool);
    Ok(Auth {
        pool,
        client,
        issuer,
    })
}
