//! `deploy migrate new NAME`: write the next revision file, chained onto the current head.

use std::path::{Path, PathBuf};

use crate::history::heads;
use crate::{Dialect, Error, Source};

/// Create `<dir>/<NNNN>_<slug>.<ext>` with a header whose `down_revision` is the current head,
/// and return its path.
pub fn new_revision(dir: &Path, dialect: Dialect, name: &str) -> Result<PathBuf, Error> {
    let slug: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect::<String>()
        .split('_')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    if slug.is_empty() {
        return Err(Error::Parse {
            file: name.to_string(),
            reason: "a revision name needs at least one letter or digit".into(),
        });
    }
    let revisions = Source::from_dir(dir, dialect)?.revisions()?;
    let head = match heads(&revisions).as_slice() {
        [] => None,
        [one] => Some(one.id.to_string()),
        many => {
            return Err(Error::MultipleHeads {
                heads: many
                    .iter()
                    .map(|r| format!("{} ({})", r.id, r.file))
                    .collect(),
            })
        }
    };
    let next = revisions
        .iter()
        .filter_map(|r| r.file.split('_').next()?.parse::<u32>().ok())
        .max()
        .map_or(1, |n| n + 1);
    let id = format!("{next:04}_{slug}");
    let c = dialect.comment();
    let contents = format!(
        "{c} revision: {id}\n{c} down_revision: {}\n{c} description: {name}\n\n{c} migrate:up\n\n{c} migrate:down\n",
        head.as_deref().unwrap_or("none"),
    );
    let path = dir.join(format!("{id}.{}", dialect.extension()));
    std::fs::write(&path, contents).map_err(|source| Error::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_revisions_chain_onto_the_head_with_the_next_number() {
        let dir = tempfile::tempdir().unwrap();
        let first = new_revision(dir.path(), Dialect::Postgres, "Create users").unwrap();
        assert_eq!(first.file_name().unwrap(), "0001_create_users.sql");
        let second = new_revision(dir.path(), Dialect::Postgres, "add tags!").unwrap();
        assert_eq!(second.file_name().unwrap(), "0002_add_tags.sql");
        let text = std::fs::read_to_string(second).unwrap();
        assert!(
            text.starts_with("-- revision: 0002_add_tags\n-- down_revision: 0001_create_users\n"),
            "{text}"
        );
    }
}
