//! Typed stack settings, parsed once from `stacks/<stack>.yaml` (Pulumi stack config format).
//!
//! The raw file is deserialised with unknown keys refused, then every value is validated into
//! [`StackConfig`], so the components never see a raw string or an out-of-range number.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use code_remote_config::contract::embedding_model;

use crate::cidr::Ipv4Cidr;
use crate::error::InfraError;

/// Whether Cognito offers TOTP multi-factor authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Mfa {
    /// No MFA.
    #[serde(rename = "OFF")]
    Off,
    /// Users may enrol a TOTP app.
    #[serde(rename = "OPTIONAL")]
    Optional,
}

/// Which embedder writes the stack's search vectors. Vectors of different embedders are not
/// comparable, so this is a stack setting, not a runtime fallback (docs/search.md).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmbedderChoice {
    /// Gemini's embedding model (`llm.embedding`) when the Gemini secret is set; the hashed
    /// embedder of the same dimension while it is empty.
    #[default]
    Gemini,
    /// The offline all-MiniLM-L6-v2 from the release's model layer, key or no key; the
    /// stack's `embeddingDimensions` must be 384.
    Minilm,
}

/// Model names for the two Gemini uses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmModels {
    /// The model that explains complexity.
    pub analysis: String,
    /// The embedding model.
    pub embedding: String,
}

/// HTTP API stage throttling.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Throttle {
    /// Burst limit (requests).
    #[serde(deserialize_with = "lenient::u32")]
    pub burst_limit: u32,
    /// Steady-state rate limit (requests per second).
    #[serde(deserialize_with = "lenient::u32")]
    pub rate_limit: u32,
}

/// Cognito token lifetimes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TokenValidity {
    /// Access token lifetime in minutes.
    #[serde(deserialize_with = "lenient::u32")]
    pub access_minutes: u32,
    /// ID token lifetime in minutes.
    #[serde(deserialize_with = "lenient::u32")]
    pub id_minutes: u32,
    /// Refresh token lifetime in days.
    #[serde(deserialize_with = "lenient::u32")]
    pub refresh_days: u32,
}

/// A stack file as committed, or as Pulumi re-saves the `--config-file` it is given: Pulumi
/// adds the secrets provider's keys and writes numbers and booleans back as strings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StackFile {
    config: RawConfig,
    /// The passphrase provider's salt.
    #[serde(default, rename = "encryptionsalt")]
    _encryption_salt: Option<String>,
    /// The secrets provider (`awskms://...`), when not the backend's default.
    #[serde(default, rename = "secretsprovider")]
    _secrets_provider: Option<String>,
    /// The data key a KMS provider encrypted.
    #[serde(default, rename = "encryptedkey")]
    _encrypted_key: Option<String>,
}

/// Values that Pulumi may have re-saved as strings (`"3"`, `"true"`, `"0.5"`).
mod lenient {
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw<T> {
        Native(T),
        Text(String),
    }

    fn parse<'de, D, T>(deserializer: D, what: &str) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de> + std::str::FromStr,
    {
        match Raw::<T>::deserialize(deserializer)? {
            Raw::Native(value) => Ok(value),
            Raw::Text(text) => text
                .trim()
                .parse()
                .map_err(|_| serde::de::Error::custom(format!("expected {what}, got {text:?}"))),
        }
    }

    pub fn u32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
        parse(deserializer, "a whole number")
    }

    pub fn f64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        parse(deserializer, "a number")
    }

    pub fn bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
        parse(deserializer, "true or false")
    }

    pub fn optional_u32<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<u32>, D::Error> {
        #[derive(Deserialize)]
        struct Whole(#[serde(deserialize_with = "u32")] u32);
        Ok(Option::<Whole>::deserialize(deserializer)?.map(|Whole(value)| value))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(rename = "aws:region")]
    region: String,
    #[serde(rename = "code-remote:vpcCidr")]
    vpc_cidr: String,
    #[serde(rename = "code-remote:azCount")]
    #[serde(deserialize_with = "lenient::u32")]
    az_count: u32,
    #[serde(rename = "code-remote:natPerAz")]
    #[serde(deserialize_with = "lenient::bool")]
    nat_per_az: bool,
    #[serde(rename = "code-remote:auroraEngineVersion")]
    aurora_engine_version: String,
    #[serde(rename = "code-remote:auroraMinAcu")]
    #[serde(deserialize_with = "lenient::f64")]
    aurora_min_acu: f64,
    #[serde(rename = "code-remote:auroraMaxAcu")]
    #[serde(deserialize_with = "lenient::f64")]
    aurora_max_acu: f64,
    #[serde(rename = "code-remote:deletionProtection")]
    #[serde(deserialize_with = "lenient::bool")]
    deletion_protection: bool,
    #[serde(rename = "code-remote:embeddingDimensions")]
    #[serde(deserialize_with = "lenient::u32")]
    embedding_dimensions: u32,
    #[serde(rename = "code-remote:embedder", default)]
    embedder: EmbedderChoice,
    #[serde(rename = "code-remote:llm")]
    llm: LlmModels,
    #[serde(rename = "code-remote:neo4jEnabled")]
    #[serde(deserialize_with = "lenient::bool")]
    neo4j_enabled: bool,
    #[serde(rename = "code-remote:mfa")]
    mfa: Mfa,
    #[serde(rename = "code-remote:tokenValidity")]
    token_validity: TokenValidity,
    #[serde(rename = "code-remote:apiThrottle")]
    api_throttle: Throttle,
    #[serde(rename = "code-remote:logRetentionDays")]
    #[serde(deserialize_with = "lenient::u32")]
    log_retention_days: u32,
    #[serde(rename = "code-remote:workerReservedConcurrency")]
    #[serde(deserialize_with = "lenient::u32")]
    worker_reserved_concurrency: u32,
    #[serde(rename = "code-remote:domain", default)]
    domain: Option<String>,
    #[serde(rename = "code-remote:alarmEmail", default)]
    alarm_email: Option<String>,
    #[serde(rename = "code-remote:reviewTtlHours", default)]
    #[serde(deserialize_with = "lenient::optional_u32")]
    review_ttl_hours: Option<u32>,
    #[serde(rename = "code-remote:promotionReaders", default)]
    promotion_readers: Vec<String>,
}

/// Validated settings of one stack.
#[derive(Debug, Clone, PartialEq)]
pub struct StackConfig {
    /// The stack name (`dev`, `prod`).
    pub stack: String,
    /// AWS region (`aws:region`); the provider and every regional URL use it.
    pub region: String,
    /// The VPC block; subnets are derived from it.
    pub vpc_cidr: Ipv4Cidr,
    /// Number of availability zones (2 to 6).
    pub az_count: u32,
    /// One NAT gateway per AZ (prod) or a single one (dev).
    pub nat_per_az: bool,
    /// Aurora PostgreSQL engine version, e.g. `16.4`.
    pub aurora_engine_version: String,
    /// Aurora Serverless v2 minimum capacity (ACU).
    pub aurora_min_acu: f64,
    /// Aurora Serverless v2 maximum capacity (ACU).
    pub aurora_max_acu: f64,
    /// Deletion protection and final snapshot for the database and user pool.
    pub deletion_protection: bool,
    /// Embedding vector size.
    pub embedding_dimensions: u32,
    /// Gemini model names.
    pub llm: LlmModels,
    /// Which embedder writes search vectors.
    pub embedder: EmbedderChoice,
    /// Whether search uses Neo4j AuraDB (else PostgreSQL).
    pub neo4j_enabled: bool,
    /// Cognito MFA mode.
    pub mfa: Mfa,
    /// Cognito token lifetimes.
    pub token_validity: TokenValidity,
    /// HTTP and WebSocket stage throttling.
    pub api_throttle: Throttle,
    /// CloudWatch log retention in days (one of the values CloudWatch accepts).
    pub log_retention_days: u32,
    /// Reserved concurrency of the execution worker.
    pub worker_reserved_concurrency: u32,
    /// Optional custom domain (used for callback URLs and CORS).
    pub domain: Option<String>,
    /// Optional e-mail address subscribed to the alarms topic.
    pub alarm_email: Option<String>,
    /// A review stack's time to live after its last deploy (`deploy reap` destroys it then);
    /// every resource is tagged with it. Only review stacks (`pr-<N>`) have one.
    pub review_ttl_hours: Option<u32>,
    /// Roles of other accounts that may read this stack's release records and artifacts, to
    /// promote its releases (prod's deploy role, on dev; docs/runbook.md).
    pub promotion_readers: Vec<String>,
}

/// The retention values CloudWatch Logs accepts.
const RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// The text of a settings file under `stacks/`.
pub(crate) fn read_settings(path: &Path) -> Result<String, InfraError> {
    std::fs::read_to_string(path).map_err(|source| InfraError::ReadStack {
        path: path.to_path_buf(),
        source,
    })
}

impl StackConfig {
    /// Reads and validates `<stacks_dir>/<stack>.yaml`.
    pub fn load(stacks_dir: &Path, stack: &str) -> Result<Self, InfraError> {
        validate_stack_name(stack)?;
        let path = stacks_dir.join(format!("{stack}.yaml"));
        Self::parse(stack, &read_settings(&path)?, &path)
    }

    /// Parses and validates stack settings from text (`path` is only used in messages).
    pub fn parse(stack: &str, text: &str, path: &Path) -> Result<Self, InfraError> {
        validate_stack_name(stack)?;
        let file: StackFile =
            serde_yaml_ng::from_str(text).map_err(|e| InfraError::ParseStack {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        let raw = file.config;
        let invalid =
            |key: &'static str, message: String| InfraError::InvalidSetting { key, message };
        let region_ok = raw.region.split('-').count() >= 3
            && raw
                .region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !region_ok {
            return Err(invalid(
                "aws:region",
                format!("`{}` is not an AWS region name", raw.region),
            ));
        }
        let vpc_cidr: Ipv4Cidr = raw.vpc_cidr.parse()?;
        if !(16..=24).contains(&vpc_cidr.prefix()) {
            return Err(invalid(
                "code-remote:vpcCidr",
                "use a /16 to /24 block (AWS allows /16 at most, subnets need room)".into(),
            ));
        }
        if !(2..=6).contains(&raw.az_count) {
            return Err(invalid(
                "code-remote:azCount",
                "use 2 to 6 availability zones".into(),
            ));
        }
        let acu_ok = raw.aurora_min_acu >= 0.0
            && raw.aurora_max_acu <= 256.0
            && raw.aurora_min_acu <= raw.aurora_max_acu
            && raw.aurora_max_acu >= 1.0
            && (raw.aurora_min_acu * 2.0).fract() == 0.0
            && (raw.aurora_max_acu * 2.0).fract() == 0.0;
        if !acu_ok {
            return Err(invalid(
                "code-remote:auroraMinAcu",
                "capacities are multiples of 0.5 with 0 <= min <= max <= 256 and max >= 1".into(),
            ));
        }
        if raw
            .aurora_engine_version
            .split('.')
            .any(|p| p.parse::<u32>().is_err())
        {
            return Err(invalid(
                "code-remote:auroraEngineVersion",
                format!("`{}` is not a version like 16.4", raw.aurora_engine_version),
            ));
        }
        if !(1..=3072).contains(&raw.embedding_dimensions) {
            return Err(invalid(
                "code-remote:embeddingDimensions",
                "use 1 to 3072".into(),
            ));
        }
        if raw.embedder == EmbedderChoice::Minilm
            && raw.embedding_dimensions != embedding_model::DIMENSION
        {
            return Err(invalid(
                "code-remote:embeddingDimensions",
                format!(
                    "`code-remote:embedder: minilm` embeds in {} dimensions; set {0}",
                    embedding_model::DIMENSION
                ),
            ));
        }
        if !RETENTION_DAYS.contains(&raw.log_retention_days) {
            return Err(invalid(
                "code-remote:logRetentionDays",
                format!("CloudWatch accepts one of {RETENTION_DAYS:?}"),
            ));
        }
        if raw.worker_reserved_concurrency == 0 {
            return Err(invalid(
                "code-remote:workerReservedConcurrency",
                "0 would disable the worker; use at least 1".into(),
            ));
        }
        match (raw.review_ttl_hours, crate::review::number(stack)) {
            (Some(hours), Some(_)) if !(1..=24 * 30).contains(&hours) => {
                return Err(invalid(
                    "code-remote:reviewTtlHours",
                    "use 1 to 720 hours".into(),
                ));
            }
            (Some(_), None) => {
                return Err(invalid(
                    "code-remote:reviewTtlHours",
                    format!("only review stacks (pr-<number>) expire; {stack} does not"),
                ));
            }
            _ => {}
        }
        let role_arn = |arn: &String| {
            let Some(rest) = arn.strip_prefix("arn:aws:iam::") else {
                return false;
            };
            let Some((account, role)) = rest.split_once(":role/") else {
                return false;
            };
            account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && !role.is_empty()
                && role
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
        };
        if let Some(bad) = raw.promotion_readers.iter().find(|arn| !role_arn(arn)) {
            return Err(invalid(
                "code-remote:promotionReaders",
                format!("`{bad}` is not a role ARN (arn:aws:iam::<account>:role/<name>)"),
            ));
        }
        if let Some(email) = &raw.alarm_email {
            if !email.contains('@') {
                return Err(invalid(
                    "code-remote:alarmEmail",
                    format!("`{email}` is not an e-mail address"),
                ));
            }
        }
        Ok(StackConfig {
            stack: stack.to_owned(),
            region: raw.region,
            vpc_cidr,
            az_count: raw.az_count,
            nat_per_az: raw.nat_per_az,
            aurora_engine_version: raw.aurora_engine_version,
            aurora_min_acu: raw.aurora_min_acu,
            aurora_max_acu: raw.aurora_max_acu,
            deletion_protection: raw.deletion_protection,
            embedding_dimensions: raw.embedding_dimensions,
            llm: raw.llm,
            embedder: raw.embedder,
            neo4j_enabled: raw.neo4j_enabled,
            mfa: raw.mfa,
            token_validity: raw.token_validity,
            api_throttle: raw.api_throttle,
            log_retention_days: raw.log_retention_days,
            worker_reserved_concurrency: raw.worker_reserved_concurrency,
            domain: raw.domain,
            alarm_email: raw.alarm_email,
            review_ttl_hours: raw.review_ttl_hours,
            promotion_readers: raw.promotion_readers,
        })
    }
}

fn validate_stack_name(stack: &str) -> Result<(), InfraError> {
    let ok = !stack.is_empty()
        && stack.len() <= 16
        && stack.starts_with(|c: char| c.is_ascii_lowercase())
        && stack
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(InfraError::StackName(stack.to_owned()))
    }
}

/// Finds the `stacks/` directory: `$CODE_REMOTE_STACKS_DIR`, else the first `stacks/` found
/// walking up from `start` (Pulumi runs the compiler in `infra/`, people run it at the root).
pub fn find_stacks_dir(start: &Path) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CODE_REMOTE_STACKS_DIR") {
        return Some(PathBuf::from(dir));
    }
    start
        .ancestors()
        .map(|dir| dir.join("stacks"))
        .find(|candidate| candidate.is_dir())
}
