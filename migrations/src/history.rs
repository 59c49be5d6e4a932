//! The validated chain of revisions: exactly one base, exactly one head, every parent known.
//! A fork (two revisions with the same parent, i.e. two heads) is refused here, before any
//! database is touched.

use std::collections::HashMap;

use crate::{Dialect, Error, Revision, RevisionId, Source};

/// Revisions in chain order, base first.
#[derive(Debug, Clone)]
pub struct History {
    dialect: Dialect,
    chain: Vec<Revision>,
}

/// The revisions no other revision builds on (one in a healthy history).
pub fn heads(revisions: &[Revision]) -> Vec<&Revision> {
    revisions
        .iter()
        .filter(|r| {
            !revisions
                .iter()
                .any(|c| c.down_revision.as_ref() == Some(&r.id))
        })
        .collect()
}

fn label(r: &Revision) -> String {
    format!("{} ({})", r.id, r.file)
}

impl History {
    /// Parse and validate every file of `source`.
    pub fn load(source: &Source) -> Result<Self, Error> {
        Self::new(source.dialect(), source.revisions()?)
    }

    /// Validate revisions into a chain.
    pub fn new(dialect: Dialect, revisions: Vec<Revision>) -> Result<Self, Error> {
        let mut by_id: HashMap<&RevisionId, &Revision> = HashMap::new();
        for r in &revisions {
            if let Some(first) = by_id.insert(&r.id, r) {
                return Err(Error::DuplicateRevision {
                    id: r.id.to_string(),
                    first: first.file.clone(),
                    second: r.file.clone(),
                });
            }
            if dialect == Dialect::Postgres && r.down.is_none() {
                return Err(Error::MissingDowngrade {
                    file: r.file.clone(),
                });
            }
        }
        for r in &revisions {
            if let Some(parent) = &r.down_revision {
                if !by_id.contains_key(parent) {
                    return Err(Error::UnknownParent {
                        file: r.file.clone(),
                        parent: parent.to_string(),
                    });
                }
            }
        }
        let found_heads = heads(&revisions);
        if found_heads.len() > 1 {
            return Err(Error::MultipleHeads {
                heads: found_heads.into_iter().map(label).collect(),
            });
        }
        let bases: Vec<&Revision> = revisions
            .iter()
            .filter(|r| r.down_revision.is_none())
            .collect();
        if revisions.is_empty() {
            return Ok(Self {
                dialect,
                chain: Vec::new(),
            });
        }
        if bases.len() != 1 {
            return Err(Error::BadBase {
                bases: bases.into_iter().map(label).collect(),
            });
        }
        let mut chain = Vec::with_capacity(revisions.len());
        let mut current = Some(bases[0]);
        while let Some(r) = current {
            chain.push(r.clone());
            let children: Vec<&Revision> = revisions
                .iter()
                .filter(|c| c.down_revision.as_ref() == Some(&r.id))
                .collect();
            if children.len() > 1 {
                return Err(Error::MultipleHeads {
                    heads: children.into_iter().map(label).collect(),
                });
            }
            current = children.first().copied();
        }
        if chain.len() != revisions.len() {
            let stray = revisions
                .iter()
                .filter(|r| !chain.iter().any(|c| c.id == r.id))
                .map(label);
            return Err(Error::BadBase {
                bases: stray.collect(),
            });
        }
        Ok(Self { dialect, chain })
    }

    /// The dialect of these revisions.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Every revision, base first.
    pub fn revisions(&self) -> &[Revision] {
        &self.chain
    }

    /// The newest revision; `None` for an empty history.
    pub fn head(&self) -> Option<&Revision> {
        self.chain.last()
    }

    /// The position of a revision in the chain.
    pub fn position(&self, id: &RevisionId) -> Option<usize> {
        self.chain.iter().position(|r| &r.id == id)
    }

    /// Look a revision up by its id.
    pub fn find(&self, raw: &str) -> Result<(usize, &Revision), Error> {
        self.chain
            .iter()
            .enumerate()
            .find(|(_, r)| r.id.as_str() == raw)
            .ok_or_else(|| Error::UnknownRevision(raw.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn file(id: &str, parent: &str) -> (String, String) {
        (
            format!("{id}.sql"),
            format!("-- revision: {id}\n-- down_revision: {parent}\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n"),
        )
    }

    fn load(files: Vec<(String, String)>) -> Result<History, Error> {
        History::load(&Source::from_files(Dialect::Postgres, files))
    }

    #[test]
    fn chain_follows_down_revisions_not_file_names() {
        let history = load(vec![file("c", "b"), file("a", "none"), file("b", "a")]).unwrap();
        let ids: Vec<&str> = history.revisions().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(history.head().unwrap().id.as_str(), "c");
    }

    #[test]
    fn two_heads_are_refused_naming_both() {
        let err = load(vec![file("a", "none"), file("b", "a"), file("c", "a")]).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, Error::MultipleHeads { .. }));
        assert!(
            message.contains("b (b.sql)") && message.contains("c (c.sql)"),
            "{message}"
        );
    }

    #[test]
    fn unknown_parents_duplicates_and_missing_downgrades_are_refused() {
        assert!(matches!(
            load(vec![file("a", "zzz")]),
            Err(Error::UnknownParent { .. })
        ));
        let mut dup = file("a", "none");
        dup.0 = "other.sql".into();
        assert!(matches!(
            load(vec![file("a", "none"), dup]),
            Err(Error::DuplicateRevision { .. })
        ));
        let no_down = (
            "a.sql".to_string(),
            "-- revision: a\n-- down_revision: none\n-- migrate:up\nSELECT 1;".to_string(),
        );
        let err = load(vec![no_down]).unwrap_err();
        assert!(err
            .to_string()
            .contains("a.sql: every PostgreSQL revision must ship a downgrade"));
    }

    #[test]
    fn cycles_without_a_base_are_refused() {
        let err = load(vec![file("a", "none"), file("b", "c"), file("c", "b")]).unwrap_err();
        assert!(matches!(err, Error::BadBase { .. }), "{err}");
    }
}
