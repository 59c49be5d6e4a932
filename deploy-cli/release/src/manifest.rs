//! The release manifest: every artifact of a release with its sha256 and size, plus the commit and
//! version it was built from. Written by `deploy build`, stored with the artifacts, copied into
//! every release record; promotion compares digests against it.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ReleaseError;
use crate::names::ReleaseVersion;

/// The manifest's file name inside a release directory.
pub const MANIFEST_FILE: &str = "manifest.json";

/// One file of a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// Path inside the release directory, `/`-separated: `api.zip`, `frontend/index.html`.
    pub name: String,
    /// Lowercase hex sha256 of the bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

impl Artifact {
    /// The digest the way Lambda reports `CodeSha256`: base64 of the raw sha256.
    pub fn lambda_sha256(&self) -> Result<String, ReleaseError> {
        let raw = hex::decode(&self.sha256).map_err(|err| {
            ReleaseError::Invalid(format!(
                "{}: digest {} is not hex ({err})",
                self.name, self.sha256
            ))
        })?;
        Ok(base64::engine::general_purpose::STANDARD.encode(raw))
    }
}

/// What a release consists of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The release version.
    pub version: ReleaseVersion,
    /// The git commit it was built from (`-dirty` appended when the tree had changes).
    pub commit: String,
    /// Every artifact, sorted by name.
    pub artifacts: Vec<Artifact>,
    /// The migration revisions the release carries, in order, per database (`postgres`,
    /// `neo4j`): what its migrate function can apply. Empty in manifests written before they
    /// were recorded.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub migrations: BTreeMap<String, Vec<String>>,
}

/// The revisions of each database compiled into this build (the ones its migrate function runs).
pub fn embedded_revisions() -> Result<BTreeMap<String, Vec<String>>, ReleaseError> {
    use code_remote_migrations::{Dialect, History, Source};
    let mut revisions = BTreeMap::new();
    for (database, dialect) in [("postgres", Dialect::Postgres), ("neo4j", Dialect::Neo4j)] {
        let history = History::load(&Source::embedded(dialect))
            .map_err(|err| ReleaseError::Invalid(format!("the {database} revisions: {err}")))?;
        let ids = history
            .revisions()
            .iter()
            .map(|r| r.id.to_string())
            .collect();
        revisions.insert(database.to_owned(), ids);
    }
    Ok(revisions)
}

impl Manifest {
    /// Digests every file under `dir` (except the manifest itself).
    pub fn scan(dir: &Path, version: ReleaseVersion, commit: String) -> Result<Self, ReleaseError> {
        let mut files = Vec::new();
        walk(dir, dir, &mut files)?;
        files.sort();
        let mut artifacts = Vec::with_capacity(files.len());
        for (name, path) in files {
            if name == MANIFEST_FILE {
                continue;
            }
            let (sha256, size) = digest_file(&path)?;
            artifacts.push(Artifact { name, sha256, size });
        }
        Ok(Self {
            version,
            commit,
            artifacts,
            migrations: embedded_revisions()?,
        })
    }

    /// Writes `manifest.json` into `dir` (pretty, stable key order, trailing newline).
    pub fn write(&self, dir: &Path) -> Result<PathBuf, ReleaseError> {
        let path = dir.join(MANIFEST_FILE);
        let mut text =
            serde_json::to_string_pretty(self).map_err(|source| ReleaseError::Unreadable {
                what: "manifest".to_owned(),
                source,
            })?;
        text.push('\n');
        std::fs::write(&path, text).map_err(ReleaseError::io(&path))?;
        Ok(path)
    }

    /// Reads `manifest.json` from a release directory.
    pub fn read(dir: &Path) -> Result<Self, ReleaseError> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|_| {
            ReleaseError::NoRelease(
                dir.file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            )
        })?;
        Self::parse(&text)
    }

    /// Parses a manifest document.
    pub fn parse(text: &str) -> Result<Self, ReleaseError> {
        serde_json::from_str(text).map_err(|source| ReleaseError::Unreadable {
            what: "manifest".to_owned(),
            source,
        })
    }

    /// Checks every file in `dir` against its recorded digest.
    pub fn verify(&self, dir: &Path) -> Result<(), ReleaseError> {
        for artifact in &self.artifacts {
            let (actual, _) = digest_file(&dir.join(&artifact.name))?;
            if actual != artifact.sha256 {
                return Err(ReleaseError::DigestMismatch {
                    name: artifact.name.clone(),
                    expected: artifact.sha256.clone(),
                    actual,
                });
            }
        }
        Ok(())
    }

    /// The Lambda zips, by function name (`api.zip` → `api`).
    pub fn lambdas(&self) -> BTreeMap<String, &Artifact> {
        self.artifacts
            .iter()
            .filter(|artifact| !artifact.name.contains('/'))
            .filter_map(|artifact| Some((artifact.name.strip_suffix(".zip")?.to_owned(), artifact)))
            .collect()
    }

    /// The frontend files, by their path under the site root (`frontend/index.html` → `index.html`).
    pub fn frontend(&self) -> BTreeMap<String, &Artifact> {
        self.artifacts
            .iter()
            .filter_map(|artifact| {
                Some((
                    artifact.name.strip_prefix("frontend/")?.to_owned(),
                    artifact,
                ))
            })
            .collect()
    }

    /// The digests by artifact name: what "same bytes" means when comparing two releases.
    pub fn digests(&self) -> BTreeMap<&str, &str> {
        self.artifacts
            .iter()
            .map(|a| (a.name.as_str(), a.sha256.as_str()))
            .collect()
    }
}

/// sha256 (hex) and size of a file, streamed.
pub fn digest_file(path: &Path) -> Result<(String, u64), ReleaseError> {
    let mut file = std::fs::File::open(path).map_err(ReleaseError::io(path))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0_u8; 1 << 16];
    let mut size = 0_u64;
    loop {
        let read = file.read(&mut buffer).map_err(ReleaseError::io(path))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        size += read as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// sha256 (hex) of bytes in memory.
pub fn digest_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) -> Result<(), ReleaseError> {
    let entries = std::fs::read_dir(dir).map_err(ReleaseError::io(dir))?;
    for entry in entries {
        let entry = entry.map_err(ReleaseError::io(dir))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(ReleaseError::io(&path))?;
        if kind.is_dir() {
            walk(root, &path, files)?;
        } else if kind.is_file() {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let name = relative
                .components()
                .map(|part| part.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            files.push((name, path));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_digests_every_file_and_verify_catches_a_changed_byte() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("api.zip"), b"zip bytes").unwrap();
        std::fs::create_dir_all(dir.path().join("frontend/assets")).unwrap();
        std::fs::write(dir.path().join("frontend/index.html"), b"<html>").unwrap();
        std::fs::write(dir.path().join("frontend/assets/app-1a2b3c4d.js"), b"js").unwrap();
        let version = ReleaseVersion::parse("v1.0.0").unwrap();
        let manifest = Manifest::scan(dir.path(), version, "abc".to_owned()).unwrap();
        manifest.write(dir.path()).unwrap();
        let names: Vec<_> = manifest.artifacts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "api.zip",
                "frontend/assets/app-1a2b3c4d.js",
                "frontend/index.html"
            ]
        );
        assert_eq!(manifest.artifacts[0].sha256, digest_bytes(b"zip bytes"));
        assert_eq!(manifest.artifacts[0].size, 9);
        assert_eq!(Manifest::read(dir.path()).unwrap(), manifest);
        assert_eq!(manifest.lambdas().keys().collect::<Vec<_>>(), ["api"]);
        assert_eq!(manifest.frontend().len(), 2);
        manifest.verify(dir.path()).unwrap();
        std::fs::write(dir.path().join("api.zip"), b"zip bytez").unwrap();
        assert!(matches!(
            manifest.verify(dir.path()),
            Err(ReleaseError::DigestMismatch { .. })
        ));
    }

    #[test]
    fn lambda_digest_is_base64_of_the_raw_hash() {
        let artifact = Artifact {
            name: "api.zip".to_owned(),
            sha256: digest_bytes(b""),
            size: 0,
        };
        assert_eq!(
            artifact.lambda_sha256().unwrap(),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }
}
