//! A small typed model of a Pulumi YAML program.
//!
//! Components build [`Resource`]s whose properties are [`Value`]s; references between resources
//! are [`Ref`] values (never `${...}` text pasted into strings), so the checks can follow them and
//! the renderer alone decides how they are spelled.

mod program;
pub mod resource;
mod value;

pub use program::{ConfigDecl, ConfigType, Program};
pub use resource::{Options, Resource, ResourceRef};
pub use value::{concat, list, map, Invoke, PathSeg, Ref, RefRoot, Value};
