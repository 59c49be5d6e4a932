//! Code Remote's AWS infrastructure, defined in Rust and run by Pulumi.
//!
//! There is no maintained Rust Pulumi SDK, so this crate builds a typed resource graph
//! ([`model::Program`]) from typed stack settings ([`config::StackConfig`]) with one module per
//! component ([`components`]), and renders it as a Pulumi YAML program ([`render`]) that Pulumi's
//! bundled YAML language host runs. [`schema`] holds an index of the pinned `@pulumi/aws`
//! package so that [`check`] can validate the program offline, next to the policy checks of
//! docs/infra.md.
#![deny(missing_docs)]

pub mod bench;
pub mod bootstrap;
pub mod check;
pub mod cidr;
pub mod components;
pub mod config;
pub mod environment;
pub mod error;
pub mod iam;
pub mod model;
pub mod naming;
pub mod render;
pub mod review;
pub mod schema;
pub mod stack;

pub use config::StackConfig;
pub use error::InfraError;
pub use model::Program;
