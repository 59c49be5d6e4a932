//! Making a data directory: `initdb` (about 0.8 s here), or a copy of a cached `initdb` result
//! (about 0.05 s), which is what makes a fresh cluster fast.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::user::RunAs;
use crate::{Error, PgBinaries};

/// Run `initdb` into `data` (which must not exist yet; its parent must be writable by the server account).
pub(crate) fn initdb(binaries: &PgBinaries, run_as: &RunAs, data: &Path) -> Result<(), Error> {
    let mut command = Command::new(binaries.binary("initdb"));
    command
        .arg("-D")
        .arg(data)
        .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"])
        .args(["--no-sync", "--no-instructions"])
        .current_dir(data.parent().unwrap_or(Path::new("/")))
        .stdin(Stdio::null());
    run_as.apply(&mut command);
    let output = command
        .output()
        .map_err(|e| Error::io("running initdb from", binaries.bin_dir(), e))?;
    if !output.status.success() {
        return Err(Error::InitdbFailed {
            status: output.status,
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        });
    }
    Ok(())
}

/// Fill `data` from the template cache, creating the template with `initdb` on first use.
pub(crate) fn from_cache(binaries: &PgBinaries, run_as: &RunAs, data: &Path) -> Result<(), Error> {
    let template = ensure_template(binaries, run_as)?;
    copy_tree(&template, data, run_as)
}

/// Where cached templates live: `$CODE_REMOTE_PG_TEMPLATE_DIR`, else the system temp dir.
fn cache_root() -> PathBuf {
    std::env::var_os("CODE_REMOTE_PG_TEMPLATE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("code-remote-pg-templates"))
}

/// The template for these binaries, keyed by their location and the server binary's size and mtime.
fn ensure_template(binaries: &PgBinaries, run_as: &RunAs) -> Result<PathBuf, Error> {
    let postgres = binaries.binary("postgres");
    let meta = std::fs::metadata(&postgres).map_err(|e| Error::io("reading", &postgres, e))?;
    let mut hasher = DefaultHasher::new();
    binaries.bin_dir().hash(&mut hasher);
    meta.len().hash(&mut hasher);
    meta.modified().ok().hash(&mut hasher);
    let root = cache_root();
    let template = root.join(format!("pg-{:016x}", hasher.finish()));
    if template.join("PG_VERSION").is_file() {
        return Ok(template);
    }
    std::fs::create_dir_all(&root).map_err(|e| Error::io("creating", &root, e))?;
    let staging = tempfile::Builder::new()
        .prefix(".staging-")
        .tempdir_in(&root)
        .map_err(|e| Error::io("creating a staging dir in", &root, e))?;
    run_as.own(staging.path())?;
    let staged = staging.path().join("data");
    initdb(binaries, run_as, &staged)?;
    // Another process may have won the race; its template is as good as ours.
    if std::fs::rename(&staged, &template).is_err() && !template.join("PG_VERSION").is_file() {
        return Err(Error::io(
            "publishing the template",
            &template,
            std::io::Error::other("rename failed and no template exists"),
        ));
    }
    Ok(template)
}

/// Copy a data directory, keeping modes (PostgreSQL insists on 0700) and giving it to the server account.
fn copy_tree(from: &Path, to: &Path, run_as: &RunAs) -> Result<(), Error> {
    std::fs::create_dir(to).map_err(|e| Error::io("creating", to, e))?;
    let mode = std::fs::metadata(from)
        .map_err(|e| Error::io("reading", from, e))?
        .permissions();
    std::fs::set_permissions(to, mode).map_err(|e| Error::io("setting the mode of", to, e))?;
    run_as.own(to)?;
    for entry in std::fs::read_dir(from).map_err(|e| Error::io("listing", from, e))? {
        let entry = entry.map_err(|e| Error::io("listing", from, e))?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        let kind = entry
            .file_type()
            .map_err(|e| Error::io("reading", &source, e))?;
        if kind.is_dir() {
            copy_tree(&source, &target, run_as)?;
        } else {
            std::fs::copy(&source, &target).map_err(|e| Error::io("copying", &source, e))?;
            run_as.own(&target)?;
        }
    }
    Ok(())
}
