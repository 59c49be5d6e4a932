//! The stack file Pulumi is given. With a passphrase or KMS secrets provider Pulumi rewrites the
//! `--config-file` it runs with (it adds `encryptionsalt` or `secretsprovider`/`encryptedkey`,
//! and writes numbers and booleans back as strings), so `deploy` never hands it the committed
//! `stacks/<stack>.yaml`: it hands it a working copy under `target/`, made from the committed
//! file each time, with the keys Pulumi owns carried over from the previous copy (or taken from
//! the committed file, where an operator committed them). The infra program reads the same copy
//! (`CODE_REMOTE_STACKS_DIR`).

use std::path::{Path, PathBuf};

use crate::error::PulumiError;

/// The top-level keys Pulumi writes into a stack file for its secrets provider.
pub const PULUMI_OWNED: [&str; 3] = ["encryptionsalt", "secretsprovider", "encryptedkey"];

/// Writes `<work_dir>/<file name>` from `committed`, keeping Pulumi's own keys of a previous
/// copy; returns its path. The committed file is only read.
pub fn working_copy(committed: &Path, work_dir: &Path) -> Result<PathBuf, PulumiError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PulumiError::WorkingCopy { path, source }
    };
    let text = std::fs::read_to_string(committed).map_err(io(committed))?;
    let name = committed
        .file_name()
        .ok_or_else(|| PulumiError::NoStackFile(committed.to_path_buf()))?;
    let copy = work_dir.join(name);
    let previous = std::fs::read_to_string(&copy).unwrap_or_default();
    let mut carried = String::new();
    for key in PULUMI_OWNED {
        if top_level(&text, key).is_none() {
            if let Some(line) = top_level(&previous, key) {
                carried.push_str(line);
                carried.push('\n');
            }
        }
    }
    std::fs::create_dir_all(work_dir).map_err(io(work_dir))?;
    std::fs::write(&copy, format!("{carried}{text}")).map_err(io(&copy))?;
    Ok(copy)
}

fn top_level<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find(|line| {
        line.strip_prefix(key)
            .is_some_and(|rest| rest.starts_with(':'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_keeps_pulumi_s_keys_and_the_committed_file_is_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let committed = dir.path().join("stacks/prod.yaml");
        std::fs::create_dir_all(committed.parent().unwrap()).unwrap();
        let original = "config:\n  code-remote:azCount: 3\n";
        std::fs::write(&committed, original).unwrap();
        let work = dir.path().join("target/pulumi-stacks");
        let copy = working_copy(&committed, &work).unwrap();
        assert_eq!(std::fs::read_to_string(&copy).unwrap(), original);
        // Pulumi rewrites the copy it was given.
        std::fs::write(
            &copy,
            "encryptionsalt: v1:abc:v1:def\nconfig:\n  code-remote:azCount: \"3\"\n",
        )
        .unwrap();
        // The next deploy starts again from the committed file, with the salt carried.
        let copy = working_copy(&committed, &work).unwrap();
        assert_eq!(
            std::fs::read_to_string(&copy).unwrap(),
            format!("encryptionsalt: v1:abc:v1:def\n{original}")
        );
        assert_eq!(std::fs::read_to_string(&committed).unwrap(), original);
        // A salt committed by an operator wins over the carried one.
        std::fs::write(&committed, format!("encryptionsalt: v1:zzz\n{original}")).unwrap();
        let copy = working_copy(&committed, &work).unwrap();
        let text = std::fs::read_to_string(&copy).unwrap();
        assert_eq!(text.matches("encryptionsalt").count(), 1);
        assert!(text.starts_with("encryptionsalt: v1:zzz"));
    }
}
