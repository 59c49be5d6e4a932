//! Finding the PostgreSQL server binaries: PATH first, then Debian's versioned directories.

use std::path::{Path, PathBuf};

use crate::Error;

/// The directory holding `initdb`, `postgres` and friends, with the server's major version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgBinaries {
    bin_dir: PathBuf,
}

impl PgBinaries {
    /// Find the binaries: a directory on `PATH` holding both `initdb` and `postgres`, else the
    /// highest version under `/usr/lib/postgresql/*/bin`.
    pub fn locate() -> Result<Self, Error> {
        let on_path = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .unwrap_or_default();
        Self::locate_in(&on_path, Path::new("/usr/lib/postgresql"))
    }

    fn locate_in(path_dirs: &[PathBuf], debian_root: &Path) -> Result<Self, Error> {
        for dir in path_dirs {
            // Debian puts only a symlinked `initdb` on PATH at best; follow it to the real directory.
            if let Ok(initdb) = dir.join("initdb").canonicalize() {
                if let Some(real) = initdb.parent() {
                    if is_server_dir(real) {
                        return Ok(Self {
                            bin_dir: real.to_path_buf(),
                        });
                    }
                }
            }
        }
        let mut versioned: Vec<(u32, PathBuf)> = std::fs::read_dir(debian_root)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
                let bin = entry.path().join("bin");
                is_server_dir(&bin).then_some((version, bin))
            })
            .collect();
        versioned.sort();
        versioned
            .pop()
            .map(|(_, bin_dir)| Self { bin_dir })
            .ok_or(Error::BinariesMissing)
    }

    /// The directory the binaries live in.
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// The path of one binary in that directory (`initdb`, `postgres`, `pg_dump`, ...).
    pub fn binary(&self, name: &str) -> PathBuf {
        self.bin_dir.join(name)
    }
}

fn is_server_dir(dir: &Path) -> bool {
    dir.join("initdb").is_file() && dir.join("postgres").is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_server(dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("initdb"), "").unwrap();
        std::fs::write(dir.join("postgres"), "").unwrap();
    }

    #[test]
    fn picks_the_highest_debian_version_when_path_has_none() {
        let root = tempfile::tempdir().unwrap();
        fake_server(&root.path().join("13/bin"));
        fake_server(&root.path().join("15/bin"));
        fake_server(&root.path().join("9/bin"));
        let found = PgBinaries::locate_in(&[], root.path()).unwrap();
        assert_eq!(found.bin_dir(), root.path().join("15/bin"));
    }

    #[test]
    fn prefers_path_over_debian_directories() {
        let root = tempfile::tempdir().unwrap();
        fake_server(&root.path().join("lib/15/bin"));
        fake_server(&root.path().join("custom"));
        let found =
            PgBinaries::locate_in(&[root.path().join("custom")], &root.path().join("lib")).unwrap();
        assert_eq!(
            found.bin_dir(),
            root.path().join("custom").canonicalize().unwrap()
        );
    }

    #[test]
    fn missing_binaries_say_how_to_install_them() {
        let root = tempfile::tempdir().unwrap();
        let err = PgBinaries::locate_in(&[], root.path()).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("apt-get install postgresql"), "{message}");
        assert!(message.contains("Docker"), "{message}");
    }
}
