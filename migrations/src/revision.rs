//! One revision file: its header, its `up`/`down` sections and its checksum.
//!
//! File format (`--` comments for SQL, `//` for Cypher):
//! ```text
//! -- revision: 0002_starring
//! -- down_revision: 0001_initial        (or `none` for the first revision)
//! -- description: Let users star snippets
//! -- migrate:no-transaction             (optional, PostgreSQL only)
//!
//! -- migrate:up
//! ALTER TABLE snippets ADD COLUMN is_starred boolean NOT NULL DEFAULT false;
//!
//! -- migrate:down
//! ALTER TABLE snippets DROP COLUMN is_starred;
//! ```

use std::fmt;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{split, Error};

/// Which database a revision is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// SQL files (`*.sql`) run against PostgreSQL.
    Postgres,
    /// Cypher files (`*.cypher`) run against Neo4j.
    Neo4j,
}

impl Dialect {
    /// The file extension of this dialect's revisions.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Postgres => "sql",
            Self::Neo4j => "cypher",
        }
    }

    /// The line-comment marker that starts header lines.
    pub fn comment(self) -> &'static str {
        match self {
            Self::Postgres => "--",
            Self::Neo4j => "//",
        }
    }
}

/// A revision id: letters, digits, `_` and `-`; parsed once so inner code never sees raw strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RevisionId(String);

impl RevisionId {
    /// Accept an id made of ASCII letters, digits, `_` and `-`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let ok = !raw.is_empty()
            && raw.len() <= 128
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if ok {
            Ok(Self(raw.to_string()))
        } else {
            Err(format!(
                "revision id {raw:?} must be 1-128 ASCII letters, digits, `_` or `-`"
            ))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RevisionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A parsed revision file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// The revision's id.
    pub id: RevisionId,
    /// The revision it builds on; `None` for the first.
    pub down_revision: Option<RevisionId>,
    /// One line saying what it does.
    pub description: String,
    /// The file it came from (name only), used in every message about it.
    pub file: String,
    /// Statements that apply it.
    pub up: Vec<String>,
    /// Statements that undo it; `None` when the file has no `migrate:down` section.
    pub down: Option<Vec<String>>,
    /// Run outside a transaction (`migrate:no-transaction`), e.g. for `CREATE INDEX CONCURRENTLY`.
    pub no_transaction: bool,
    /// SHA-256 of the file (line endings normalised), stored when applied.
    pub checksum: String,
}

/// Checksum of a file's contents, insensitive to CRLF vs LF.
pub fn checksum(contents: &str) -> String {
    hex::encode(Sha256::digest(contents.replace("\r\n", "\n").as_bytes()))
}

enum Section {
    Header,
    Up,
    Down,
}

impl Revision {
    /// Parse one file of `dialect`.
    pub fn parse(file: &str, contents: &str, dialect: Dialect) -> Result<Self, Error> {
        let fail = |reason: String| Error::Parse {
            file: file.to_string(),
            reason,
        };
        let comment = dialect.comment();
        let (mut id, mut parent, mut description) = (None, None, None);
        let mut no_transaction = false;
        let (mut up, mut down) = (String::new(), None::<String>);
        let mut section = Section::Header;
        for (number, line) in contents.lines().enumerate() {
            let directive = line.trim().strip_prefix(comment).map(str::trim);
            match directive {
                Some("migrate:up") => {
                    section = Section::Up;
                    continue;
                }
                Some("migrate:down") => {
                    section = Section::Down;
                    down.get_or_insert_with(String::new);
                    continue;
                }
                Some("migrate:no-transaction") => {
                    no_transaction = true;
                    continue;
                }
                _ => {}
            }
            match section {
                Section::Header => {
                    let Some(text) = directive else {
                        if line.trim().is_empty() {
                            continue;
                        }
                        return Err(fail(format!(
                            "line {}: statements must follow a `{comment} migrate:up` line",
                            number + 1
                        )));
                    };
                    if let Some((key, value)) = text.split_once(':') {
                        let value = value.trim().to_string();
                        match key.trim() {
                            "revision" => id = Some(value),
                            "down_revision" => parent = Some(value),
                            "description" => description = Some(value),
                            _ => {}
                        }
                    }
                }
                Section::Up => {
                    up.push_str(line);
                    up.push('\n');
                }
                Section::Down => {
                    if let Some(down) = down.as_mut() {
                        down.push_str(line);
                        down.push('\n');
                    }
                }
            }
        }
        let id = id.ok_or_else(|| fail(format!("missing `{comment} revision: <id>` header")))?;
        let id = RevisionId::parse(&id).map_err(fail)?;
        let parent = parent.ok_or_else(|| {
            fail(format!(
                "missing `{comment} down_revision: <id or none>` header"
            ))
        })?;
        let down_revision = match parent.as_str() {
            "none" | "" => None,
            other => Some(RevisionId::parse(other).map_err(fail)?),
        };
        let description = description.unwrap_or_default();
        let up = split::statements(&up, dialect);
        Ok(Self {
            id,
            down_revision,
            description,
            file: file.to_string(),
            up,
            down: down.map(|d| split::statements(&d, dialect)),
            no_transaction,
            checksum: checksum(contents),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "-- revision: 0002_starring\n-- down_revision: 0001_initial\n\
        -- description: Let users star snippets\n\n-- migrate:up\nALTER TABLE s ADD c int;\nCREATE INDEX i ON s (c);\n\
        -- migrate:down\nDROP INDEX i;\nALTER TABLE s DROP c;\n";

    #[test]
    fn parses_header_sections_and_checksum() {
        let rev = Revision::parse("0002_starring.sql", FILE, Dialect::Postgres).unwrap();
        assert_eq!(rev.id.as_str(), "0002_starring");
        assert_eq!(
            rev.down_revision.as_ref().map(RevisionId::as_str),
            Some("0001_initial")
        );
        assert_eq!(rev.description, "Let users star snippets");
        assert_eq!(
            rev.up,
            vec!["ALTER TABLE s ADD c int", "CREATE INDEX i ON s (c)"]
        );
        assert_eq!(
            rev.down.unwrap(),
            vec!["DROP INDEX i", "ALTER TABLE s DROP c"]
        );
        assert!(!rev.no_transaction);
        assert_eq!(rev.checksum, checksum(&FILE.replace('\n', "\r\n")));
        assert_ne!(rev.checksum, checksum(&FILE.replace("int", "bigint")));
    }

    #[test]
    fn no_transaction_and_base_are_understood() {
        let text = "-- revision: a\n-- down_revision: none\n-- migrate:no-transaction\n-- migrate:up\nCREATE INDEX CONCURRENTLY i ON t (x);\n";
        let rev = Revision::parse("a.sql", text, Dialect::Postgres).unwrap();
        assert!(rev.no_transaction);
        assert_eq!(rev.down_revision, None);
        assert_eq!(rev.down, None);
    }

    #[test]
    fn malformed_files_name_the_file_and_the_problem() {
        let missing = Revision::parse("x.sql", "-- migrate:up\nSELECT 1;", Dialect::Postgres);
        assert!(missing
            .unwrap_err()
            .to_string()
            .starts_with("x.sql: missing `-- revision"));
        let stray = Revision::parse("y.sql", "-- revision: y\nSELECT 1;", Dialect::Postgres);
        assert!(stray.unwrap_err().to_string().contains("y.sql: line 2"));
        let bad_id = Revision::parse(
            "z.sql",
            "-- revision: a b\n-- down_revision: none\n-- migrate:up\nSELECT 1;",
            Dialect::Postgres,
        );
        assert!(bad_id.unwrap_err().to_string().contains("must be 1-128"));
    }
}
