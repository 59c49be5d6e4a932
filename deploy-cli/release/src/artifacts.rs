//! Release artifacts in the artifacts bucket (`artifacts/<release>/<name>`, sha256 in the object
//! metadata): uploaded by every deploy, downloaded and verified by promotion and rollback.

use std::path::Path;

use aws_sdk_s3::primitives::ByteStream;

use crate::error::ReleaseError;
use crate::manifest::{digest_bytes, Manifest};

/// The key of an artifact.
pub fn artifact_key(release: &str, name: &str) -> String {
    format!("artifacts/{release}/{name}")
}

/// Uploads every artifact of `manifest` from `dir`, and the manifest itself; an object that
/// already carries the same digest is left alone (re-deploys and promotions upload nothing twice).
pub async fn upload(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    dir: &Path,
    manifest: &Manifest,
) -> Result<usize, ReleaseError> {
    let release = manifest.version.as_str();
    let mut uploaded = 0;
    for artifact in &manifest.artifacts {
        let key = artifact_key(release, &artifact.name);
        let existing = s3.head_object().bucket(bucket).key(&key).send().await;
        if existing.is_ok_and(|head| {
            head.metadata().and_then(|m| m.get("sha256")) == Some(&artifact.sha256)
        }) {
            continue;
        }
        let body = ByteStream::from_path(dir.join(&artifact.name))
            .await
            .map_err(|err| ReleaseError::aws("s3:PutObject", err))?;
        s3.put_object()
            .bucket(bucket)
            .key(&key)
            .metadata("sha256", &artifact.sha256)
            .body(body)
            .send()
            .await
            .map_err(|err| ReleaseError::aws("s3:PutObject", err))?;
        uploaded += 1;
    }
    let text = serde_json::to_vec_pretty(manifest).map_err(|source| ReleaseError::Unreadable {
        what: "manifest".to_owned(),
        source,
    })?;
    s3.put_object()
        .bucket(bucket)
        .key(artifact_key(release, crate::manifest::MANIFEST_FILE))
        .body(ByteStream::from(text))
        .send()
        .await
        .map_err(|err| ReleaseError::aws("s3:PutObject", err))?;
    Ok(uploaded)
}

/// Reads one artifact and checks its digest against the manifest's.
pub async fn fetch(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    release: &str,
    name: &str,
    sha256: &str,
) -> Result<Vec<u8>, ReleaseError> {
    let object = s3
        .get_object()
        .bucket(bucket)
        .key(artifact_key(release, name))
        .send()
        .await
        .map_err(|err| ReleaseError::aws("s3:GetObject", err))?;
    let bytes = object
        .body
        .collect()
        .await
        .map_err(|err| ReleaseError::aws("s3:GetObject", err))?
        .into_bytes()
        .to_vec();
    let actual = digest_bytes(&bytes);
    if actual != sha256 {
        return Err(ReleaseError::DigestMismatch {
            name: name.to_owned(),
            expected: sha256.to_owned(),
            actual,
        });
    }
    Ok(bytes)
}

/// Downloads a whole release into `dir` (verifying every digest) and writes its manifest there,
/// so `pulumi up` on another stack deploys exactly these bytes.
pub async fn download(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    manifest: &Manifest,
    dir: &Path,
) -> Result<(), ReleaseError> {
    for artifact in &manifest.artifacts {
        let bytes = fetch(
            s3,
            bucket,
            manifest.version.as_str(),
            &artifact.name,
            &artifact.sha256,
        )
        .await?;
        let path = dir.join(&artifact.name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(ReleaseError::io(parent))?;
        }
        std::fs::write(&path, bytes).map_err(ReleaseError::io(&path))?;
    }
    manifest.write(dir)?;
    Ok(())
}
