//! Secrets Manager entries whose values are set out of band (never in Pulumi state), encrypted
//! with a customer-managed KMS key the Lambdas are allowed to decrypt with.

use crate::components::Context;
use crate::error::InfraError;
use crate::model::{Program, Resource, ResourceRef};

/// References to the secrets.
#[derive(Debug, Clone)]
pub struct Secrets {
    /// The key encrypting the secrets.
    pub key: ResourceRef,
    /// The Gemini API key.
    pub gemini: ResourceRef,
    /// Neo4j AuraDB credentials `{uri, username, password, database}`.
    pub neo4j: ResourceRef,
}

/// Declares the key and the secrets.
pub fn build(program: &mut Program, ctx: &Context<'_>) -> Result<Secrets, InfraError> {
    let n = &ctx.naming;
    let key = program.add(
        Resource::new("secretsKey", "aws:kms/key:Key")
            .prop(
                "description",
                format!("{}: application secrets", n.name("secrets")),
            )
            .prop("enableKeyRotation", true)
            .prop("deletionWindowInDays", 30)
            .prop("tags", n.tags("secrets")),
    )?;
    program.add(
        Resource::new("secretsKeyAlias", "aws:kms/alias:Alias")
            .prop("name", format!("alias/{}", n.name("secrets")))
            .prop("targetKeyId", key.out("keyId")),
    )?;
    let secret = |program: &mut Program, logical: &str, suffix: &str, what: &str| {
        program.add(
            Resource::new(logical, "aws:secretsmanager/secret:Secret")
                .prop("name", n.name(suffix))
                .prop(
                    "description",
                    format!("{what} (value set out of band, never in Pulumi state)"),
                )
                .prop("kmsKeyId", key.arn())
                .prop("recoveryWindowInDays", if ctx.is_prod() { 30 } else { 7 })
                .prop("tags", n.tags(suffix)),
        )
    };
    let gemini = secret(program, "geminiApiKey", "gemini-api-key", "Gemini API key")?;
    let neo4j = secret(
        program,
        "neo4jCredentials",
        "neo4j",
        "Neo4j AuraDB credentials {uri, username, password, database}",
    )?;
    Ok(Secrets { key, gemini, neo4j })
}
