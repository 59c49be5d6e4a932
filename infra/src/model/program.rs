//! The whole program: config declarations, variables, resources and stack outputs.

use std::collections::BTreeMap;

use super::resource::{Resource, ResourceRef};
use super::value::Value;
use crate::error::InfraError;

/// The type of a declared configuration value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigType {
    /// `string`
    String,
    /// `integer`
    Integer,
    /// `boolean`
    Boolean,
}

/// A `config:` declaration, read from the stack's configuration by Pulumi at run time.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigDecl {
    /// The declared type.
    pub config_type: ConfigType,
    /// The value used when the stack does not set one.
    pub default: Option<Value>,
}

/// A Pulumi YAML program: the typed form that checks inspect and the renderer prints.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Program {
    /// The stack this program was built for (its settings are baked in).
    pub stack: String,
    /// `config:` declarations by key.
    pub config: BTreeMap<String, ConfigDecl>,
    /// `variables:` by name (invokes computed once).
    pub variables: BTreeMap<String, Value>,
    /// `resources:` by logical name.
    pub resources: BTreeMap<String, Resource>,
    /// `outputs:` by name.
    pub outputs: BTreeMap<String, Value>,
}

impl Program {
    /// An empty program for `stack`.
    pub fn new(stack: &str) -> Self {
        Program {
            stack: stack.to_owned(),
            ..Program::default()
        }
    }

    /// Declares a resource and returns a handle for references to it.
    pub fn add(&mut self, mut resource: Resource) -> Result<ResourceRef, InfraError> {
        let handle = resource.handle();
        if crate::model::resource::has_unique_name(&resource) {
            resource.options.delete_before_replace = true;
        }
        if self.resources.contains_key(&resource.name) {
            return Err(InfraError::DuplicateResource(resource.name));
        }
        self.resources.insert(resource.name.clone(), resource);
        Ok(handle)
    }

    /// Declares a variable.
    pub fn variable(&mut self, name: &str, value: Value) {
        self.variables.insert(name.to_owned(), value);
    }

    /// Declares a stack output.
    pub fn output(&mut self, name: &str, value: impl Into<Value>) {
        self.outputs.insert(name.to_owned(), value.into());
    }

    /// The resources of one type, in logical-name order.
    pub fn of_type<'a>(&'a self, type_token: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.resources
            .values()
            .filter(move |r| r.type_token == type_token)
    }
}
