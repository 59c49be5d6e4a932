//! The stack file Pulumi is given. With a passphrase or KMS secrets provider Pulumi rewrites the
//! `--config-file` it runs with (it adds `encryptionsalt` or `secretsprovider`/`encryptedkey`,
//! and writes numbers and booleans back as strings), so `deploy` never hands it the committed
//! `stacks/<stack>.yaml`: it hands it a working copy under `target/`, made from the committed
//! file each time. Pulumi's own keys are not carried from a previous copy: with
//! `PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER` (which the driver sets) Pulumi takes them from the
//! stack's state, so a laptop and a fresh CI checkout run alike, and a stack whose secrets
//! provider changed is never handed its old one. The infra program reads the same copy
//! (`CODE_REMOTE_STACKS_DIR`).

use std::path::{Path, PathBuf};

use crate::error::PulumiError;

/// Writes `<work_dir>/<file name>` from `committed` and returns its path. The committed file is
/// only read.
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
    std::fs::create_dir_all(work_dir).map_err(io(work_dir))?;
    std::fs::write(&copy, text).map_err(io(&copy))?;
    Ok(copy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_starts_from_the_committed_file_each_time_which_stays_untouched() {
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
        // The next deploy starts again from the committed file: Pulumi's keys come back from
        // the stack's state, never from a copy that may be stale.
        let copy = working_copy(&committed, &work).unwrap();
        assert_eq!(std::fs::read_to_string(&copy).unwrap(), original);
        assert_eq!(std::fs::read_to_string(&committed).unwrap(), original);
        // Keys an operator committed are kept.
        let pinned = format!("encryptionsalt: v1:zzz\n{original}");
        std::fs::write(&committed, &pinned).unwrap();
        let copy = working_copy(&committed, &work).unwrap();
        assert_eq!(std::fs::read_to_string(&copy).unwrap(), pinned);
    }
}
