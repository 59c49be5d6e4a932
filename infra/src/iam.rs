//! IAM policy documents built as data, rendered with `fn::toJSON` so ARNs stay references.
//!
//! Every statement names concrete resources; the policy check rejects a `*` resource.

use crate::model::{list, map, Value};

/// One `Allow` statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Actions such as `sqs:SendMessage`.
    pub actions: Vec<&'static str>,
    /// Resource ARNs (usually references to other resources' `arn` outputs).
    pub resources: Vec<Value>,
    /// A principal, for resource policies (e.g. `{Service: cloudfront.amazonaws.com}`).
    pub principal: Option<Value>,
    /// A condition block.
    pub condition: Option<Value>,
}

impl Statement {
    /// Allows `actions` on `resources`.
    pub fn allow(actions: &[&'static str], resources: Vec<Value>) -> Self {
        Statement {
            actions: actions.to_vec(),
            resources,
            principal: None,
            condition: None,
        }
    }

    fn to_value(&self) -> Value {
        let mut entries = vec![
            ("Effect", Value::from("Allow")),
            ("Action", list(self.actions.iter().copied())),
            ("Resource", Value::List(self.resources.clone())),
        ];
        if let Some(p) = &self.principal {
            entries.push(("Principal", p.clone()));
        }
        if let Some(c) = &self.condition {
            entries.push(("Condition", c.clone()));
        }
        map(entries)
    }
}

/// A policy document (`Version: 2012-10-17`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyDocument {
    /// The statements.
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    /// The document as a `fn::toJSON` value for a `policy` property.
    pub fn to_value(&self) -> Value {
        Value::ToJson(Box::new(map([
            ("Version", Value::from("2012-10-17")),
            (
                "Statement",
                Value::List(self.statements.iter().map(Statement::to_value).collect()),
            ),
        ])))
    }
}

/// The trust policy letting one AWS service assume a role.
pub fn assume_role(service: &str) -> Value {
    Value::ToJson(Box::new(map([
        ("Version", Value::from("2012-10-17")),
        (
            "Statement",
            list([map([
                ("Effect", Value::from("Allow")),
                ("Action", Value::from("sts:AssumeRole")),
                ("Principal", map([("Service", service)])),
            ])]),
        ),
    ])))
}

/// AWS managed policies allowed on our roles: they cover actions that AWS does not let any
/// policy scope to a resource (X-Ray segments, Lambda ENIs in a VPC).
pub const ALLOWED_MANAGED_POLICIES: [&str; 2] = [
    "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaENIManagementAccess",
];
