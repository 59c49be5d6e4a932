//! Where revision files come from: compiled into the crate (the release's own revisions), a
//! directory on disk (`deploy migrate new`, fixtures), or an in-memory list (tests).

use std::path::Path;

use crate::{embedded, Dialect, Error, Revision};

/// A set of revision files of one dialect, in file-name (version prefix) order.
#[derive(Debug, Clone)]
pub struct Source {
    dialect: Dialect,
    files: Vec<(String, String)>,
}

impl Source {
    /// The files under `migrations/postgres/` or `migrations/neo4j/` compiled into this crate.
    pub fn embedded(dialect: Dialect) -> Self {
        let files = match dialect {
            Dialect::Postgres => embedded::POSTGRES,
            Dialect::Neo4j => embedded::NEO4J,
        };
        Self::from_files(
            dialect,
            files.iter().map(|(n, c)| (n.to_string(), c.to_string())),
        )
    }

    /// Every `*.sql` / `*.cypher` file (by dialect) directly inside `dir`.
    pub fn from_dir(dir: &Path, dialect: Dialect) -> Result<Self, Error> {
        let io = |source| Error::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.extension().and_then(|e| e.to_str()) != Some(dialect.extension()) {
                continue;
            }
            let Some(name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_string)
            else {
                continue;
            };
            let contents = std::fs::read_to_string(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            files.push((name, contents));
        }
        Ok(Self::from_files(dialect, files))
    }

    /// An in-memory list of `(file name, contents)`.
    pub fn from_files(dialect: Dialect, files: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut files: Vec<_> = files.into_iter().collect();
        files.sort_by(|a, b| a.0.cmp(&b.0));
        Self { dialect, files }
    }

    /// The dialect of these files.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Parse every file, in file-name order.
    pub fn revisions(&self) -> Result<Vec<Revision>, Error> {
        self.files
            .iter()
            .map(|(name, contents)| Revision::parse(name, contents, self.dialect))
            .collect()
    }
}
