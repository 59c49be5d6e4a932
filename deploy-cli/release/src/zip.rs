//! Reproducible Lambda zips: a function's `bootstrap` entry (and, for the functions on the
//! managed Python runtime, its exec wrapper), or a layer's data files, stored, with a fixed
//! timestamp and mode.
//!
//! cargo-lambda's own zips stamp the entry with the binary's modification time, so two builds of
//! the same source give different digests and "same bytes" could not be checked by digest.
//! `deploy build` therefore asks cargo-lambda for the binary and packs it here: same binary,
//! same zip, same sha256.

use std::path::Path;

use crate::error::ReleaseError;

/// 1980-01-01 00:00 in MS-DOS date format, the earliest a zip can say.
const DOS_DATE: u16 = (1 << 5) | 1;
const UNIX_EXECUTABLE: u32 = 0o100_755;
const UNIX_READ_ONLY: u32 = 0o100_444;

/// Writes `zip` holding `binary` as the executable entry `bootstrap`, and `extra` entries
/// (name, bytes) beside it, also executable: the exec wrapper of the functions that run on the
/// managed Python runtime.
pub fn write_bootstrap_zip(
    binary: &Path,
    extra: &[(&str, &[u8])],
    zip: &Path,
) -> Result<(), ReleaseError> {
    let data = std::fs::read(binary).map_err(ReleaseError::io(binary))?;
    let mut entries: Vec<(&str, &[u8], u32)> = vec![("bootstrap", &data, UNIX_EXECUTABLE)];
    entries.extend(
        extra
            .iter()
            .map(|(name, data)| (*name, *data, UNIX_EXECUTABLE)),
    );
    write_zip(&entries, zip)
}

/// Writes `zip` holding the files of `dir` named in `files`, read-only, under `prefix/`: a
/// Lambda layer of data (the embedding model).
pub fn write_data_zip(
    dir: &Path,
    files: &[&str],
    prefix: &str,
    zip: &Path,
) -> Result<(), ReleaseError> {
    let mut contents = Vec::with_capacity(files.len());
    for file in files {
        let path = dir.join(file);
        contents.push((
            format!("{prefix}/{file}"),
            std::fs::read(&path).map_err(ReleaseError::io(&path))?,
        ));
    }
    let entries: Vec<(&str, &[u8], u32)> = contents
        .iter()
        .map(|(name, data)| (name.as_str(), data.as_slice(), UNIX_READ_ONLY))
        .collect();
    write_zip(&entries, zip)
}

/// Writes `entries` (name, bytes, Unix mode) stored, in order, with a fixed timestamp.
fn write_zip(entries: &[(&str, &[u8], u32)], zip: &Path) -> Result<(), ReleaseError> {
    let too_big = || {
        ReleaseError::Invalid(format!(
            "{} would be over 4 GiB; Lambda allows 250 MB",
            zip.display()
        ))
    };
    let mut out = Vec::with_capacity(entries.iter().map(|(_, data, _)| data.len() + 100).sum());
    let mut directory = Vec::new();
    for (name, data, mode) in entries {
        let size = u32::try_from(data.len()).map_err(|_| too_big())?;
        let offset = u32::try_from(out.len()).map_err(|_| too_big())?;
        let crc = crc32fast::hash(data);
        let name = name.as_bytes();
        // Local file header.
        out.extend(0x0403_4b50_u32.to_le_bytes());
        out.extend(10_u16.to_le_bytes());
        out.extend(0_u16.to_le_bytes());
        out.extend(0_u16.to_le_bytes());
        out.extend(0_u16.to_le_bytes());
        out.extend(DOS_DATE.to_le_bytes());
        out.extend(crc.to_le_bytes());
        out.extend(size.to_le_bytes());
        out.extend(size.to_le_bytes());
        out.extend((name.len() as u16).to_le_bytes());
        out.extend(0_u16.to_le_bytes());
        out.extend(name);
        out.extend(*data);
        // Central directory entry: made by Unix (3) so the mode bits count.
        directory.extend(0x0201_4b50_u32.to_le_bytes());
        directory.extend(((3_u16 << 8) | 20).to_le_bytes());
        directory.extend(10_u16.to_le_bytes());
        directory.extend(0_u16.to_le_bytes());
        directory.extend(0_u16.to_le_bytes());
        directory.extend(0_u16.to_le_bytes());
        directory.extend(DOS_DATE.to_le_bytes());
        directory.extend(crc.to_le_bytes());
        directory.extend(size.to_le_bytes());
        directory.extend(size.to_le_bytes());
        directory.extend((name.len() as u16).to_le_bytes());
        directory.extend([0_u8; 8]);
        directory.extend((mode << 16).to_le_bytes());
        directory.extend(offset.to_le_bytes());
        directory.extend(name);
    }
    let directory_offset = u32::try_from(out.len()).map_err(|_| too_big())?;
    let directory_size = u32::try_from(directory.len()).map_err(|_| too_big())?;
    let count = entries.len() as u16;
    out.extend(directory);
    // End of central directory.
    out.extend(0x0605_4b50_u32.to_le_bytes());
    out.extend([0_u8; 4]);
    out.extend(count.to_le_bytes());
    out.extend(count.to_le_bytes());
    out.extend(directory_size.to_le_bytes());
    out.extend(directory_offset.to_le_bytes());
    out.extend(0_u16.to_le_bytes());
    std::fs::write(zip, out).map_err(ReleaseError::io(zip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zip_is_readable_by_unzip_and_identical_twice() {
        let dir = tempfile::tempdir().unwrap();
        let binary = dir.path().join("bootstrap-bin");
        std::fs::write(&binary, b"#!/bin/sh\necho hi\n").unwrap();
        let wrapper: &[(&str, &[u8])] = &[("exec-wrapper", b"#!/bin/sh\nexec ./bootstrap\n")];
        write_bootstrap_zip(&binary, wrapper, &dir.path().join("a.zip")).unwrap();
        write_bootstrap_zip(&binary, wrapper, &dir.path().join("b.zip")).unwrap();
        let a = std::fs::read(dir.path().join("a.zip")).unwrap();
        assert_eq!(a, std::fs::read(dir.path().join("b.zip")).unwrap());
        let listing = std::process::Command::new("unzip")
            .arg("-Z")
            .arg(dir.path().join("a.zip"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&listing.stdout);
        assert!(
            text.contains("-rwxr-xr-x") && text.contains("bootstrap"),
            "{text}"
        );
        assert!(
            text.contains("exec-wrapper") && text.contains("2 files"),
            "{text}"
        );
        let test = std::process::Command::new("unzip")
            .arg("-t")
            .arg(dir.path().join("a.zip"))
            .output()
            .unwrap();
        assert!(
            test.status.success(),
            "{}",
            String::from_utf8_lossy(&test.stdout)
        );
    }

    #[test]
    fn a_data_layer_holds_its_files_read_only_under_its_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("weights.bin"), vec![7u8; 5000]).unwrap();
        std::fs::write(dir.path().join("vocab.json"), b"{}").unwrap();
        let zip = dir.path().join("layer.zip");
        write_data_zip(dir.path(), &["weights.bin", "vocab.json"], "model", &zip).unwrap();
        let listing = std::process::Command::new("unzip")
            .arg("-Z")
            .arg(&zip)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&listing.stdout);
        assert!(
            text.contains("-r--r--r--") && !text.contains("rwx"),
            "{text}"
        );
        assert!(
            text.contains("model/weights.bin") && text.contains("model/vocab.json"),
            "{text}"
        );
        let out = tempfile::tempdir().unwrap();
        let unzip = std::process::Command::new("unzip")
            .arg("-q")
            .arg(&zip)
            .arg("-d")
            .arg(out.path())
            .status()
            .unwrap();
        assert!(unzip.success());
        assert_eq!(
            std::fs::read(out.path().join("model/weights.bin")).unwrap(),
            vec![7u8; 5000]
        );
        let missing = write_data_zip(dir.path(), &["absent"], "model", &zip);
        assert!(missing.is_err());
    }
}
