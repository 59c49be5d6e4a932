//! A reproducible Lambda zip: one `bootstrap` entry, stored, with a fixed timestamp and mode.
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

/// Writes `zip` holding `binary` as the executable entry `bootstrap`.
pub fn write_bootstrap_zip(binary: &Path, zip: &Path) -> Result<(), ReleaseError> {
    let data = std::fs::read(binary).map_err(ReleaseError::io(binary))?;
    let size = u32::try_from(data.len()).map_err(|_| {
        ReleaseError::Invalid(format!(
            "{} is over 4 GiB; Lambda allows 250 MB",
            binary.display()
        ))
    })?;
    let crc = crc32fast::hash(&data);
    let name = b"bootstrap";
    let mut out = Vec::with_capacity(data.len() + 200);
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
    out.extend(&data);
    let directory_offset = out.len() as u32;
    // Central directory entry: made by Unix (3) so the mode bits count.
    out.extend(0x0201_4b50_u32.to_le_bytes());
    out.extend(((3_u16 << 8) | 20).to_le_bytes());
    out.extend(10_u16.to_le_bytes());
    out.extend(0_u16.to_le_bytes());
    out.extend(0_u16.to_le_bytes());
    out.extend(0_u16.to_le_bytes());
    out.extend(DOS_DATE.to_le_bytes());
    out.extend(crc.to_le_bytes());
    out.extend(size.to_le_bytes());
    out.extend(size.to_le_bytes());
    out.extend((name.len() as u16).to_le_bytes());
    out.extend([0_u8; 8]);
    out.extend((UNIX_EXECUTABLE << 16).to_le_bytes());
    out.extend(0_u32.to_le_bytes());
    out.extend(name);
    let directory_size = out.len() as u32 - directory_offset;
    // End of central directory.
    out.extend(0x0605_4b50_u32.to_le_bytes());
    out.extend([0_u8; 4]);
    out.extend(1_u16.to_le_bytes());
    out.extend(1_u16.to_le_bytes());
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
        write_bootstrap_zip(&binary, &dir.path().join("a.zip")).unwrap();
        write_bootstrap_zip(&binary, &dir.path().join("b.zip")).unwrap();
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
}
