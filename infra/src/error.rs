//! The one error type of the library: every failure names what to fix.

use std::path::PathBuf;

/// Everything that can go wrong while loading settings, building or rendering a program.
#[derive(Debug, thiserror::Error)]
pub enum InfraError {
    /// The stack settings file could not be read.
    #[error("cannot read stack settings {path}: {source}; create it or pass the right --stack")]
    ReadStack {
        /// The file that was looked for.
        path: PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// The stack settings file is not valid Pulumi stack configuration for this project.
    #[error("stack settings {path} are malformed: {message}")]
    ParseStack {
        /// The file that was parsed.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// A setting has a value outside what the infrastructure supports.
    #[error("setting `{key}` is invalid: {message}")]
    InvalidSetting {
        /// The configuration key, as written in the stack file.
        key: &'static str,
        /// Why the value was refused.
        message: String,
    },
    /// A CIDR block could not be parsed or split.
    #[error("invalid CIDR `{cidr}`: {message}")]
    Cidr {
        /// The CIDR text.
        cidr: String,
        /// Why it was refused.
        message: String,
    },
    /// The stack name is not one this repository defines.
    #[error("invalid stack name `{0}`: use lowercase letters, digits and dashes (e.g. dev, prod)")]
    StackName(String),
    /// Two resources were declared with the same logical name.
    #[error("resource `{0}` is declared twice; logical names must be unique")]
    DuplicateResource(String),
    /// The embedded schema index is not valid JSON of the expected shape.
    #[error("schema index is corrupt: {0}; run infra/schema/refresh.sh")]
    Schema(String),
    /// Rendering to YAML or JSON failed.
    #[error("cannot render the program: {0}")]
    Render(String),
}
