//! Resources and their options.

use std::collections::BTreeMap;

use super::value::{PathSeg, Ref, RefRoot, Value};

/// A declared resource: logical name, Pulumi type token, input properties and options.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// The logical name (the key under `resources:`), unique in the program.
    pub name: String,
    /// The type token, e.g. `aws:ec2/vpc:Vpc`.
    pub type_token: String,
    /// Input properties by their camelCase names.
    pub properties: BTreeMap<String, Value>,
    /// Resource options.
    pub options: Options,
}

/// The resource options this program uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// Logical names of resources that must be created first.
    pub depends_on: Vec<String>,
    /// Refuse to delete the resource (prod data).
    pub protect: bool,
    /// Input properties Pulumi must not reconcile (owned by `deploy` after creation).
    pub ignore_changes: Vec<String>,
    /// Logical name of an explicit provider resource.
    pub provider: Option<String>,
    /// Delete the old resource before creating its replacement (see [`UNIQUE_NAMES`]).
    pub delete_before_replace: bool,
}

/// Types whose explicit name must be unique (per account, region, API or VPC), with the property
/// that names them. Pulumi replaces by creating the new resource first, which a fixed name makes
/// collide (or, for SNS topics and alarms, silently reuse and then delete), so these are deleted
/// before they are replaced. Data stores (the database cluster and instances, buckets, secrets)
/// are left out on purpose: their replacement fails on the name instead of deleting data.
pub const UNIQUE_NAMES: &[(&str, &str)] = &[
    ("aws:lambda/function:Function", "name"),
    ("aws:lambda/alias:Alias", "name"),
    ("aws:iam/role:Role", "name"),
    ("aws:iam/rolePolicy:RolePolicy", "name"),
    ("aws:kms/alias:Alias", "name"),
    ("aws:cloudwatch/logGroup:LogGroup", "name"),
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "name"),
    ("aws:sns/topic:Topic", "name"),
    ("aws:sqs/queue:Queue", "name"),
    ("aws:ec2/securityGroup:SecurityGroup", "name"),
    ("aws:apigatewayv2/stage:Stage", "name"),
    (
        "aws:cloudfront/originAccessControl:OriginAccessControl",
        "name",
    ),
    (
        "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
        "name",
    ),
    (
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        "name",
    ),
    ("aws:rds/subnetGroup:SubnetGroup", "name"),
];

/// Whether `resource` carries a fixed name that a create-first replacement would collide with.
pub fn has_unique_name(resource: &Resource) -> bool {
    UNIQUE_NAMES.iter().any(|(token, property)| {
        *token == resource.type_token && resource.properties.contains_key(*property)
    })
}

/// A handle to a declared resource, from which typed references to its outputs are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRef {
    name: String,
}

impl ResourceRef {
    /// The logical name of the resource.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A reference to one of the resource's outputs.
    pub fn out(&self, output: &str) -> Ref {
        Ref {
            root: RefRoot::Resource(self.name.clone()),
            path: vec![PathSeg::Field(output.to_owned())],
        }
    }

    /// `${res.id}`
    pub fn id(&self) -> Ref {
        self.out("id")
    }

    /// `${res.arn}`
    pub fn arn(&self) -> Ref {
        self.out("arn")
    }
}

impl Resource {
    /// A resource with no properties yet.
    pub fn new(name: &str, type_token: &str) -> Self {
        Resource {
            name: name.to_owned(),
            type_token: type_token.to_owned(),
            properties: BTreeMap::new(),
            options: Options::default(),
        }
    }

    /// Sets an input property.
    pub fn prop(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.properties.insert(key.to_owned(), value.into());
        self
    }

    /// Sets an input property when a value is present.
    pub fn prop_opt(self, key: &str, value: Option<impl Into<Value>>) -> Self {
        match value {
            Some(v) => self.prop(key, v),
            None => self,
        }
    }

    /// Adds a `dependsOn` edge.
    pub fn depends_on(mut self, other: &ResourceRef) -> Self {
        self.options.depends_on.push(other.name.clone());
        self
    }

    /// Sets `protect`.
    pub fn protect(mut self, protect: bool) -> Self {
        self.options.protect = protect;
        self
    }

    /// Adds an `ignoreChanges` entry.
    pub fn ignore_changes(mut self, property: &str) -> Self {
        self.options.ignore_changes.push(property.to_owned());
        self
    }

    /// Uses an explicit provider.
    pub fn provider(mut self, provider: &ResourceRef) -> Self {
        self.options.provider = Some(provider.name.clone());
        self
    }

    /// A handle for references to this resource.
    pub fn handle(&self) -> ResourceRef {
        ResourceRef {
            name: self.name.clone(),
        }
    }

    /// An input property, if set.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.properties.get(key)
    }
}
