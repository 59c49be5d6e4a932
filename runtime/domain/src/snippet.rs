//! Snippets: the create and update commands parsed from request bodies, and the response shapes.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::ids::SnippetId;
use crate::validation::{FieldReader, Length, ValidationErrors};

const CODE: Length = Length {
    min: 1,
    max: 50_000,
};
const TITLE: Length = Length { min: 0, max: 255 };
const LANGUAGE: Length = Length { min: 1, max: 50 };
const DESCRIPTION: Length = Length { min: 0, max: 2_000 };

/// A validated `POST /snippets` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSnippet {
    /// Source code, 1 to 50 000 characters.
    pub code: String,
    /// Optional title, at most 255 characters.
    pub title: Option<String>,
    /// Language name, at most 50 characters (`python` by default).
    pub language: String,
    /// Optional description, at most 2 000 characters.
    pub description: Option<String>,
    /// Whether the snippet starts starred.
    pub is_starred: bool,
}

impl NewSnippet {
    /// Parses a create body, reporting every invalid field.
    pub fn parse(body: &Value) -> Result<Self, ValidationErrors> {
        let mut reader = FieldReader::body(body)?;
        let code = reader.required_string("code", CODE);
        let title = reader.optional_string("title", TITLE);
        let language = reader.optional_string("language", LANGUAGE);
        let description = reader.optional_string("description", DESCRIPTION);
        let is_starred = reader.optional_bool("is_starred");
        reader.finish()?;
        Ok(Self {
            code: code.unwrap_or_default(),
            title,
            language: language.unwrap_or_else(|| "python".to_owned()),
            description,
            is_starred: is_starred.unwrap_or(false),
        })
    }
}

/// A validated `PUT /snippets/{id}` body: an absent or null field leaves the stored value unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnippetChanges {
    /// New code, if given.
    pub code: Option<String>,
    /// New title, if given.
    pub title: Option<String>,
    /// New language, if given.
    pub language: Option<String>,
    /// New description, if given.
    pub description: Option<String>,
    /// New starred flag, if given.
    pub is_starred: Option<bool>,
}

impl SnippetChanges {
    /// Parses an update body, with the same bounds as a create body.
    pub fn parse(body: &Value) -> Result<Self, ValidationErrors> {
        let mut reader = FieldReader::body(body)?;
        let changes = Self {
            code: reader.optional_string("code", CODE),
            title: reader.optional_string("title", TITLE),
            language: reader.optional_string("language", LANGUAGE),
            description: reader.optional_string("description", DESCRIPTION),
            is_starred: reader.optional_bool("is_starred"),
        };
        reader.finish()?;
        Ok(changes)
    }
}

/// A stored snippet as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Snippet {
    /// Snippet id.
    #[schema(value_type = uuid::Uuid)]
    pub id: SnippetId,
    /// Title, if any.
    pub title: Option<String>,
    /// Language name.
    pub language: String,
    /// Source code.
    pub code: String,
    /// Description, if any.
    pub description: Option<String>,
    /// How many times the snippet has been run.
    pub execution_count: i32,
    /// Whether the owner starred it.
    pub is_starred: bool,
    /// Time complexity found by analysis, e.g. `O(n)`.
    pub time_complexity: Option<String>,
    /// Space complexity found by analysis.
    pub space_complexity: Option<String>,
    /// When it last ran.
    pub last_execution_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A snippet in a listing: the same fields without the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SnippetSummary {
    /// Snippet id.
    #[schema(value_type = uuid::Uuid)]
    pub id: SnippetId,
    /// Title, if any.
    pub title: Option<String>,
    /// Language name.
    pub language: String,
    /// Description, if any.
    pub description: Option<String>,
    /// How many times the snippet has been run.
    pub execution_count: i32,
    /// Whether the owner starred it.
    pub is_starred: bool,
    /// Time complexity found by analysis.
    pub time_complexity: Option<String>,
    /// Space complexity found by analysis.
    pub space_complexity: Option<String>,
    /// When it last ran.
    pub last_execution_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Snippet> for SnippetSummary {
    fn from(snippet: Snippet) -> Self {
        Self {
            id: snippet.id,
            title: snippet.title,
            language: snippet.language,
            description: snippet.description,
            execution_count: snippet.execution_count,
            is_starred: snippet.is_starred,
            time_complexity: snippet.time_complexity,
            space_complexity: snippet.space_complexity,
            last_execution_at: snippet.last_execution_at,
            created_at: snippet.created_at,
            updated_at: snippet.updated_at,
        }
    }
}

/// One page of a listing with the total count, so clients can page without a second request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items exist in all.
    pub total: i64,
    /// The page size asked for.
    pub limit: i64,
    /// The offset asked for.
    pub offset: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn create_defaults_language_and_star() {
        let snippet = NewSnippet::parse(&json!({"code": "x = 1"})).unwrap();
        assert_eq!(snippet.language, "python");
        assert!(!snippet.is_starred);
        assert_eq!(snippet.title, None);
    }

    #[test]
    fn create_reports_every_bad_field() {
        let body = json!({"title": "t".repeat(256), "language": "", "is_starred": "yes"});
        let kinds: Vec<_> = NewSnippet::parse(&body)
            .unwrap_err()
            .0
            .into_iter()
            .map(|issue| issue.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                "missing",
                "string_too_long",
                "string_too_short",
                "bool_type"
            ]
        );
    }

    #[test]
    fn update_treats_null_as_unchanged() {
        let changes = SnippetChanges::parse(&json!({"title": null, "is_starred": true})).unwrap();
        assert_eq!(
            changes,
            SnippetChanges {
                is_starred: Some(true),
                ..SnippetChanges::default()
            }
        );
    }
}
