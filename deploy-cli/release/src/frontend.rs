//! The frontend bucket: upload a release's bundle with the cache rules, remove what the release
//! no longer has, and invalidate CloudFront.
//!
//! Hashed assets (`assets/index-BdX3k9aZ.js`) never change under their name, so browsers and
//! CloudFront keep them for a year (`immutable`); `index.html` and every other unhashed file is
//! `no-cache` so a new release is picked up at the next load. Assets go up before `index.html`
//! so the new page never references a file that is not there yet.

use aws_sdk_s3::primitives::ByteStream;
use serde::Serialize;

use crate::error::ReleaseError;
use crate::store::list_keys;

/// Cache-Control of content-hashed files.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache-Control of everything else, `index.html` included.
pub const NO_CACHE: &str = "no-cache";

/// One file of the site, by its key in the bucket.
#[derive(Debug, Clone)]
pub struct SiteFile {
    /// The key (`index.html`, `assets/app-1a2b3c4d.js`).
    pub key: String,
    /// The bytes.
    pub body: Vec<u8>,
}

/// What a sync changed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    /// Keys written, in upload order.
    pub uploaded: Vec<String>,
    /// Stale keys removed.
    pub deleted: Vec<String>,
}

/// The Cache-Control header for a key.
pub fn cache_control(key: &str) -> &'static str {
    if is_hashed(key) {
        IMMUTABLE
    } else {
        NO_CACHE
    }
}

/// Whether the file name carries a content hash the way Vite writes it: `name-<8+ chars>.ext`.
fn is_hashed(key: &str) -> bool {
    let file = key.rsplit('/').next().unwrap_or(key);
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    stem.rsplit_once('-').is_some_and(|(name, hash)| {
        !name.is_empty()
            && hash.len() >= 8
            && hash.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && hash
                .chars()
                .any(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    })
}

/// The Content-Type for a key, by extension.
pub fn content_type(key: &str) -> &'static str {
    match key.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" | "webmanifest" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "wasm" => "application/wasm",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The web app's `/config.json` for the stack whose outputs are `outputs` (the contract in
/// `frontend/src/config/runtimeConfig.ts`): written by every deploy, rollback and move back, so the
/// stale-file sweep never finds it missing from the release. `no-cache`, like every unhashed file.
pub fn runtime_config(
    outputs: &code_remote_pulumi::StackOutputs,
) -> Result<SiteFile, ReleaseError> {
    let output = |key: &str| {
        outputs.get(key).map(str::to_owned).ok_or_else(|| {
            ReleaseError::Invalid(format!(
                "the stack has no {key} output, which the web app's config.json needs"
            ))
        })
    };
    let pool = output("userPoolId")?;
    // A Cognito pool id is `<region>_<id>`.
    let region = pool
        .split_once('_')
        .map(|(region, _)| region.to_owned())
        .ok_or_else(|| ReleaseError::Invalid(format!("userPoolId {pool:?} names no region")))?;
    let config = serde_json::json!({
        "apiUrl": outputs.api_url.trim_end_matches('/'),
        "websocketUrl": output("websocketUrl")?,
        "region": region,
        "userPoolId": pool,
        "userPoolClientId": output("userPoolClientId")?,
    });
    Ok(SiteFile {
        key: "config.json".to_owned(),
        body: serde_json::to_vec_pretty(&config).unwrap_or_default(),
    })
}

/// Makes `bucket` hold exactly `files`: hashed assets first, unhashed files (`index.html`) last,
/// then deletes keys the release does not have.
pub async fn sync(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    mut files: Vec<SiteFile>,
) -> Result<SyncReport, ReleaseError> {
    files.sort_by(|a, b| (!is_hashed(&a.key), &a.key).cmp(&(!is_hashed(&b.key), &b.key)));
    let mut report = SyncReport::default();
    for file in &files {
        s3.put_object()
            .bucket(bucket)
            .key(&file.key)
            .cache_control(cache_control(&file.key))
            .content_type(content_type(&file.key))
            .body(ByteStream::from(file.body.clone()))
            .send()
            .await
            .map_err(|err| ReleaseError::aws("s3:PutObject", err))?;
        report.uploaded.push(file.key.clone());
    }
    for key in list_keys(s3, bucket, "").await? {
        if !files.iter().any(|file| file.key == key) {
            s3.delete_object()
                .bucket(bucket)
                .key(&key)
                .send()
                .await
                .map_err(|err| ReleaseError::aws("s3:DeleteObject", err))?;
            report.deleted.push(key);
        }
    }
    Ok(report)
}

/// Invalidates every path of the distribution (one path, `/*`, whatever the number of files)
/// and returns the invalidation id.
pub async fn invalidate(
    cloudfront: &aws_sdk_cloudfront::Client,
    distribution_id: &str,
    reference: &str,
) -> Result<String, ReleaseError> {
    use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};
    let build_error = |err: aws_sdk_cloudfront::error::BuildError| ReleaseError::Aws {
        operation: "cloudfront:CreateInvalidation",
        message: err.to_string(),
    };
    let paths = Paths::builder()
        .quantity(1)
        .items("/*")
        .build()
        .map_err(build_error)?;
    let batch = InvalidationBatch::builder()
        .paths(paths)
        .caller_reference(reference)
        .build()
        .map_err(build_error)?;
    let created = cloudfront
        .create_invalidation()
        .distribution_id(distribution_id)
        .invalidation_batch(batch)
        .send()
        .await
        .map_err(|err| ReleaseError::aws("cloudfront:CreateInvalidation", err))?;
    Ok(created
        .invalidation()
        .map(|inv| inv.id().to_owned())
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_assets_are_immutable_and_the_rest_is_revalidated() {
        assert_eq!(cache_control("assets/index-BdX3k9aZ.js"), IMMUTABLE);
        assert_eq!(cache_control("assets/editor.worker-Cq1bX0Lm.js"), IMMUTABLE);
        assert_eq!(cache_control("index.html"), NO_CACHE);
        assert_eq!(cache_control("favicon.svg"), NO_CACHE);
        assert_eq!(cache_control("assets/code-remote.css"), NO_CACHE);
        assert_eq!(
            content_type("assets/x-1a2b3c4d.js"),
            "text/javascript; charset=utf-8"
        );
    }
}
