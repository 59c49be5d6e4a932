//! Validation errors in the shape of the API's 422 bodies, and a reader that collects them.
//!
//! The original API answered with FastAPI's validation format; its frontend reads `loc`, `msg` and
//! `type`, so the wording and the type names follow that format.

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// One invalid field: where it is (`["body", "code"]`), what is wrong, and a machine-readable type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ValidationIssue {
    /// Location of the field: the part of the request first (`body`, `query`, `path`), then its name.
    pub loc: Vec<String>,
    /// Human-readable message.
    pub msg: String,
    /// Error type, e.g. `string_too_long` or `missing`.
    #[serde(rename = "type")]
    pub kind: String,
}

impl ValidationIssue {
    /// Builds an issue for the field at `loc`.
    pub fn new(loc: &[&str], msg: impl Into<String>, kind: &str) -> Self {
        Self {
            loc: loc.iter().map(|part| (*part).to_owned()).collect(),
            msg: msg.into(),
            kind: kind.to_owned(),
        }
    }
}

/// Every issue found in one request, so a client can fix all fields at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the request is invalid: fix the fields listed in the issues")]
pub struct ValidationErrors(pub Vec<ValidationIssue>);

impl ValidationErrors {
    /// A single issue.
    pub fn single(issue: ValidationIssue) -> Self {
        Self(vec![issue])
    }

    /// The error for a body that is not valid JSON.
    pub fn invalid_json(reason: &str) -> Self {
        Self::single(ValidationIssue::new(
            &["body"],
            format!("JSON decode error: {reason}"),
            "json_invalid",
        ))
    }
}

/// Reads typed fields out of a JSON object, collecting every issue instead of stopping at the first.
pub struct FieldReader<'a> {
    part: &'static str,
    fields: &'a Map<String, Value>,
    issues: Vec<ValidationIssue>,
}

/// Bounds of a string field, counted in characters.
#[derive(Debug, Clone, Copy)]
pub struct Length {
    /// Smallest accepted length.
    pub min: usize,
    /// Largest accepted length.
    pub max: usize,
}

impl<'a> FieldReader<'a> {
    /// Starts reading a request body, refusing anything that is not a JSON object.
    pub fn body(value: &'a Value) -> Result<Self, ValidationErrors> {
        match value {
            Value::Object(fields) => Ok(Self {
                part: "body",
                fields,
                issues: Vec::new(),
            }),
            _ => Err(ValidationErrors::single(ValidationIssue::new(
                &["body"],
                "Input should be a valid dictionary or object to extract fields from",
                "model_attributes_type",
            ))),
        }
    }

    /// Starts reading decoded query parameters (all values are strings).
    pub fn query(fields: &'a Map<String, Value>) -> Self {
        Self {
            part: "query",
            fields,
            issues: Vec::new(),
        }
    }

    fn issue(&mut self, name: &str, msg: impl Into<String>, kind: &str) {
        self.issues
            .push(ValidationIssue::new(&[self.part, name], msg, kind));
    }

    /// `number` when `min <= number <= max`; otherwise the bound it misses is an issue.
    fn within<T: PartialOrd + std::fmt::Display>(
        &mut self,
        name: &str,
        number: T,
        min: T,
        max: T,
    ) -> Option<T> {
        if number < min {
            self.issue(
                name,
                format!("Input should be greater than or equal to {min}"),
                "greater_than_equal",
            );
            return None;
        }
        if number > max {
            self.issue(
                name,
                format!("Input should be less than or equal to {max}"),
                "less_than_equal",
            );
            return None;
        }
        Some(number)
    }

    fn present(&self, name: &str) -> Option<&'a Value> {
        match self.fields.get(name) {
            None | Some(Value::Null) => None,
            Some(value) => Some(value),
        }
    }

    /// A string that must be present and within `length`.
    pub fn required_string(&mut self, name: &str, length: Length) -> Option<String> {
        if self.present(name).is_none() {
            self.issue(name, "Field required", "missing");
            return None;
        }
        self.optional_string(name, length)
    }

    /// A string that may be absent or null; when present it must be within `length`.
    pub fn optional_string(&mut self, name: &str, length: Length) -> Option<String> {
        let value = self.present(name)?;
        let Some(text) = value.as_str() else {
            self.issue(name, "Input should be a valid string", "string_type");
            return None;
        };
        // PostgreSQL text cannot hold NUL, and no field of ours has a use for it: refused here
        // with the field's name rather than failing in the database.
        if text.contains('\0') {
            self.issue(
                name,
                "String should not contain NUL characters",
                "string_nul",
            );
            return None;
        }
        let chars = text.chars().count();
        if chars < length.min {
            let plural = if length.min == 1 { "" } else { "s" };
            self.issue(
                name,
                format!(
                    "String should have at least {} character{plural}",
                    length.min
                ),
                "string_too_short",
            );
            return None;
        }
        if chars > length.max {
            let plural = if length.max == 1 { "" } else { "s" };
            self.issue(
                name,
                format!(
                    "String should have at most {} character{plural}",
                    length.max
                ),
                "string_too_long",
            );
            return None;
        }
        Some(text.to_owned())
    }

    /// A boolean that may be absent or null.
    pub fn optional_bool(&mut self, name: &str) -> Option<bool> {
        let value = self.present(name)?;
        match value {
            Value::Bool(flag) => Some(*flag),
            _ => {
                self.issue(name, "Input should be a valid boolean", "bool_type");
                None
            }
        }
    }

    /// A number that may be absent or null; when present it must satisfy `min <= n <= max`
    /// (0 or less is refused as `greater_than`, below `min` as `greater_than_equal`).
    pub fn optional_positive_number(&mut self, name: &str, min: f64, max: f64) -> Option<f64> {
        let value = self.present(name)?;
        let Some(number) = value.as_f64() else {
            self.issue(name, "Input should be a valid number", "float_type");
            return None;
        };
        if number <= 0.0 {
            self.issue(name, "Input should be greater than 0", "greater_than");
            return None;
        }
        self.within(name, number, min, max)
    }

    /// A UUID given as a string, which may be absent or null.
    pub fn optional_uuid(&mut self, name: &str) -> Option<uuid::Uuid> {
        let value = self.present(name)?;
        match value.as_str().map(uuid::Uuid::parse_str) {
            Some(Ok(id)) => Some(id),
            _ => {
                self.issue(name, "Input should be a valid UUID", "uuid_parsing");
                None
            }
        }
    }

    /// An integer given as a string (query parameters) within `min..=max`, or `default` when absent.
    pub fn query_integer(&mut self, name: &str, min: i64, max: i64, default: i64) -> Option<i64> {
        let Some(value) = self.present(name) else {
            return Some(default);
        };
        let parsed = match value {
            Value::String(text) => text.trim().parse::<i64>().ok(),
            Value::Number(number) => number.as_i64(),
            _ => None,
        };
        let Some(number) = parsed else {
            self.issue(
                name,
                "Input should be a valid integer, unable to parse string as an integer",
                "int_parsing",
            );
            return None;
        };
        self.within(name, number, min, max)
    }

    /// Ends reading: every collected issue, or `Ok` when there were none.
    pub fn finish(self) -> Result<(), ValidationErrors> {
        if self.issues.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(self.issues))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn collects_every_issue_with_its_location() {
        let body = json!({"code": "", "title": 3});
        let mut reader = FieldReader::body(&body).unwrap();
        reader.required_string("code", Length { min: 1, max: 10 });
        reader.optional_string("title", Length { min: 0, max: 10 });
        reader.required_string("connection_id", Length { min: 1, max: 10 });
        let errors = reader.finish().unwrap_err();
        let value = serde_json::to_value(&errors.0).unwrap();
        assert_eq!(
            value,
            json!([
                {"loc": ["body", "code"], "msg": "String should have at least 1 character", "type": "string_too_short"},
                {"loc": ["body", "title"], "msg": "Input should be a valid string", "type": "string_type"},
                {"loc": ["body", "connection_id"], "msg": "Field required", "type": "missing"}
            ])
        );
    }

    #[test]
    fn a_nul_in_any_text_field_is_refused_naming_it() {
        let body = json!({"code": "print(1)\0", "title": "a\0b"});
        let mut reader = FieldReader::body(&body).unwrap();
        reader.required_string("code", Length { min: 1, max: 100 });
        reader.optional_string("title", Length { min: 0, max: 100 });
        let errors = reader.finish().unwrap_err();
        let value = serde_json::to_value(&errors.0).unwrap();
        assert_eq!(value[0]["loc"], json!(["body", "code"]));
        assert_eq!(value[1]["loc"], json!(["body", "title"]));
        assert_eq!(value[1]["type"], "string_nul");
    }

    #[test]
    fn refuses_a_body_that_is_not_an_object() {
        let body = json!([1, 2]);
        let errors = FieldReader::body(&body).err().unwrap();
        assert_eq!(errors.0[0].kind, "model_attributes_type");
    }

    #[test]
    fn query_integers_use_defaults_and_bounds() {
        let mut fields = Map::new();
        fields.insert("limit".into(), json!("0"));
        fields.insert("offset".into(), json!("x"));
        let mut reader = FieldReader::query(&fields);
        assert_eq!(reader.query_integer("limit", 1, 100, 50), None);
        assert_eq!(reader.query_integer("offset", 0, i64::MAX, 0), None);
        assert_eq!(reader.query_integer("absent", 0, 10, 7), Some(7));
        let kinds: Vec<_> = reader
            .finish()
            .unwrap_err()
            .0
            .into_iter()
            .map(|i| i.kind)
            .collect();
        assert_eq!(kinds, ["greater_than_equal", "int_parsing"]);
    }
}
