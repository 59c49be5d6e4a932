//! Property values: literals, references, interpolations and the `fn::` built-ins.

use std::collections::BTreeMap;

/// One step into a referenced value: a property name or a list index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PathSeg {
    /// `.name`
    Field(String),
    /// `[index]`
    Index(usize),
}

/// What a reference starts from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RefRoot {
    /// A resource declared in the program, by logical name.
    Resource(String),
    /// A variable declared in the program's `variables:` section.
    Variable(String),
    /// A configuration value declared in the program's `config:` section.
    Config(String),
    /// A Pulumi built-in such as `pulumi.stack`.
    Builtin(&'static str),
}

/// A typed `${root.path}` reference.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ref {
    /// Where the reference starts.
    pub root: RefRoot,
    /// The property path below the root (empty for a whole variable or config value).
    pub path: Vec<PathSeg>,
}

impl Ref {
    /// A reference to a variable (optionally indexed further with [`Ref::field`]/[`Ref::index`]).
    pub fn variable(name: &str) -> Self {
        Ref {
            root: RefRoot::Variable(name.to_owned()),
            path: Vec::new(),
        }
    }

    /// A reference to a declared configuration value.
    pub fn config(name: &str) -> Self {
        Ref {
            root: RefRoot::Config(name.to_owned()),
            path: Vec::new(),
        }
    }

    /// The stack name, resolved by Pulumi at run time.
    pub fn stack() -> Self {
        Ref {
            root: RefRoot::Builtin("pulumi.stack"),
            path: Vec::new(),
        }
    }

    /// This reference extended by a property name.
    pub fn field(mut self, name: &str) -> Self {
        self.path.push(PathSeg::Field(name.to_owned()));
        self
    }

    /// This reference extended by a list index.
    pub fn index(mut self, index: usize) -> Self {
        self.path.push(PathSeg::Index(index));
        self
    }

    /// The resource this reference names, if it names one.
    pub fn resource(&self) -> Option<&str> {
        match &self.root {
            RefRoot::Resource(name) => Some(name),
            _ => None,
        }
    }

    /// The first property of the path (the output that a resource reference reads).
    pub fn first_field(&self) -> Option<&str> {
        match self.path.first() {
            Some(PathSeg::Field(name)) => Some(name),
            _ => None,
        }
    }
}

/// An `fn::invoke` of a provider function.
#[derive(Debug, Clone, PartialEq)]
pub struct Invoke {
    /// The function token, e.g. `aws:index/getAvailabilityZones:getAvailabilityZones`.
    pub function: String,
    /// The function's arguments.
    pub arguments: BTreeMap<String, Value>,
    /// The single result field to return, if any.
    pub returns: Option<String>,
}

/// A property value of a Pulumi YAML program.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating point number (e.g. Aurora capacity units).
    Float(f64),
    /// A literal string (a `$` in it is escaped when rendered).
    Str(String),
    /// A list.
    List(Vec<Value>),
    /// A map with sorted keys.
    Map(BTreeMap<String, Value>),
    /// A reference to another resource's output, a variable or a config value.
    Ref(Ref),
    /// A string made of literal parts and references, rendered as one interpolated string.
    Concat(Vec<Value>),
    /// `fn::secret`: the value is encrypted in Pulumi state.
    Secret(Box<Value>),
    /// `fn::invoke`: the result of a provider function.
    Invoke(Invoke),
    /// `fn::toJSON`: a JSON document (IAM policies, redrive policies) that may hold references.
    ToJson(Box<Value>),
    /// `fn::fileArchive`: a zip file or directory on the machine running Pulumi.
    FileArchive(String),
    /// `fn::fileAsset`: one file on the machine running Pulumi.
    FileAsset(String),
}

impl Value {
    /// A reference to `resource.field`.
    pub fn reference(resource: &str, field: &str) -> Self {
        Value::Ref(Ref {
            root: RefRoot::Resource(resource.to_owned()),
            path: vec![PathSeg::Field(field.to_owned())],
        })
    }

    /// The literal string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The entries, if this is a map.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items, if this is a list.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The entry `key`, if this is a map holding it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_map().and_then(|m| m.get(key))
    }

    /// The reference, if this is a bare reference.
    pub fn as_ref(&self) -> Option<&Ref> {
        match self {
            Value::Ref(r) => Some(r),
            _ => None,
        }
    }

    /// Every reference inside this value, with the path (relative to this value) where it sits.
    pub fn references(&self) -> Vec<(String, &Ref)> {
        let mut found = Vec::new();
        self.walk_refs(String::new(), &mut found);
        found
    }

    fn walk_refs<'a>(&'a self, at: String, found: &mut Vec<(String, &'a Ref)>) {
        match self {
            Value::Ref(r) => found.push((at, r)),
            Value::List(items) | Value::Concat(items) => {
                for (i, item) in items.iter().enumerate() {
                    item.walk_refs(format!("{at}[{i}]"), found);
                }
            }
            Value::Map(entries) => {
                for (key, item) in entries {
                    item.walk_refs(format!("{at}.{key}"), found);
                }
            }
            Value::Invoke(invoke) => {
                for (key, item) in &invoke.arguments {
                    item.walk_refs(format!("{at}.fn::invoke.arguments.{key}"), found);
                }
            }
            Value::Secret(inner) => inner.walk_refs(format!("{at}.fn::secret"), found),
            Value::ToJson(inner) => inner.walk_refs(format!("{at}.fn::toJSON"), found),
            Value::Null
            | Value::Bool(_)
            | Value::Int(_)
            | Value::Float(_)
            | Value::Str(_)
            | Value::FileArchive(_)
            | Value::FileAsset(_) => {}
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<i32> for Value {
    fn from(i: i32) -> Self {
        Value::Int(i64::from(i))
    }
}

impl From<u32> for Value {
    fn from(i: u32) -> Self {
        Value::Int(i64::from(i))
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

impl From<Ref> for Value {
    fn from(r: Ref) -> Self {
        Value::Ref(r)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Self {
        Value::List(items.into_iter().map(Into::into).collect())
    }
}

/// A map value from `(key, value)` pairs.
pub fn map<K: Into<String>, V: Into<Value>>(entries: impl IntoIterator<Item = (K, V)>) -> Value {
    Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect(),
    )
}

/// A list value.
pub fn list<V: Into<Value>>(items: impl IntoIterator<Item = V>) -> Value {
    Value::List(items.into_iter().map(Into::into).collect())
}

/// An interpolated string of literal parts and references, e.g. `https://${dist.domainName}`.
pub fn concat<V: Into<Value>>(parts: impl IntoIterator<Item = V>) -> Value {
    Value::Concat(parts.into_iter().map(Into::into).collect())
}
