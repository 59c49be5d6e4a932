//! JSON documents in the artifacts bucket: the small typed layer the lock and the records use.

use aws_sdk_s3::primitives::ByteStream;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::ReleaseError;

/// One bucket of JSON documents.
#[derive(Debug, Clone)]
pub struct JsonBucket {
    s3: aws_sdk_s3::Client,
    bucket: String,
}

/// The result of a conditional create.
pub enum Created {
    /// The document was written; its ETag, for conditional writes after it.
    Yes(String),
    /// A document already existed under that key (or, for a replacement, it changed).
    AlreadyExists,
}

impl JsonBucket {
    /// Documents in `bucket`.
    pub fn new(s3: aws_sdk_s3::Client, bucket: &str) -> Self {
        Self {
            s3,
            bucket: bucket.to_owned(),
        }
    }

    /// The bucket name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    fn body<T: Serialize>(value: &T) -> Result<ByteStream, ReleaseError> {
        let text = serde_json::to_vec_pretty(value).map_err(|source| ReleaseError::Unreadable {
            what: "document".to_owned(),
            source,
        })?;
        Ok(ByteStream::from(text))
    }

    /// Writes (or overwrites) a document.
    pub async fn put<T: Serialize>(&self, key: &str, value: &T) -> Result<(), ReleaseError> {
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/json")
            .body(Self::body(value)?)
            .send()
            .await
            .map_err(|err| ReleaseError::aws("s3:PutObject", err))?;
        Ok(())
    }

    /// Writes a document only if none exists under `key` (S3 conditional write, `If-None-Match: *`).
    pub async fn create<T: Serialize>(
        &self,
        key: &str,
        value: &T,
    ) -> Result<Created, ReleaseError> {
        self.put_if(key, value, |put| put.if_none_match("*")).await
    }

    /// Overwrites the document under `key` only if it is still the version whose ETag is
    /// `etag` (S3 conditional write, `If-Match`): of two writers that read the same version,
    /// exactly one succeeds.
    pub async fn replace<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        etag: &str,
    ) -> Result<Created, ReleaseError> {
        self.put_if(key, value, |put| put.if_match(etag)).await
    }

    async fn put_if<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        condition: impl FnOnce(
            aws_sdk_s3::operation::put_object::builders::PutObjectFluentBuilder,
        )
            -> aws_sdk_s3::operation::put_object::builders::PutObjectFluentBuilder,
    ) -> Result<Created, ReleaseError> {
        let put = self
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/json")
            .body(Self::body(value)?);
        conditional(condition(put).send().await)
    }

    /// Reads a document and its ETag; `None` when there is none.
    pub async fn get_tagged<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<(T, String)>, ReleaseError> {
        let got = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await;
        let object = match got {
            Ok(object) => object,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => {
                return Ok(None)
            }
            Err(err) => return Err(ReleaseError::aws("s3:GetObject", err)),
        };
        let etag = object.e_tag.clone().unwrap_or_default();
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|err| ReleaseError::aws("s3:GetObject", err))?
            .into_bytes();
        serde_json::from_slice(&bytes)
            .map(|value| Some((value, etag)))
            .map_err(|source| ReleaseError::Unreadable {
                what: format!("s3://{}/{key}", self.bucket),
                source,
            })
    }

    /// Reads a document; `None` when there is none.
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, ReleaseError> {
        Ok(self.get_tagged(key).await?.map(|(value, _)| value))
    }

    /// Deletes the document under `key` only if it is still the version whose ETag is `etag`
    /// (`If-Match`); `false` when it changed or is gone.
    pub async fn delete_if(&self, key: &str, etag: &str) -> Result<bool, ReleaseError> {
        let sent = self
            .s3
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .if_match(etag)
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            Err(err)
                if err
                    .raw_response()
                    .is_some_and(|raw| matches!(raw.status().as_u16(), 404 | 409 | 412)) =>
            {
                Ok(false)
            }
            Err(err) => Err(ReleaseError::aws("s3:DeleteObject", err)),
        }
    }

    /// Deletes a document (no error when it is already gone).
    pub async fn delete(&self, key: &str) -> Result<(), ReleaseError> {
        self.s3
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|err| ReleaseError::aws("s3:DeleteObject", err))?;
        Ok(())
    }

    /// Every key under `prefix`, sorted.
    pub async fn keys(&self, prefix: &str) -> Result<Vec<String>, ReleaseError> {
        list_keys(&self.s3, &self.bucket, prefix).await
    }
}

/// Every key under `prefix` in `bucket`, sorted (pages followed).
pub async fn list_keys(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
) -> Result<Vec<String>, ReleaseError> {
    let mut keys = Vec::new();
    let mut pages = s3
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|err| ReleaseError::aws("s3:ListObjectsV2", err))?;
        keys.extend(
            page.contents()
                .iter()
                .filter_map(|object| object.key().map(str::to_owned)),
        );
    }
    keys.sort();
    Ok(keys)
}

/// A conditional PutObject's answer: written (with the new ETag) or refused by its condition.
fn conditional<E>(
    sent: Result<
        aws_sdk_s3::operation::put_object::PutObjectOutput,
        aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    >,
) -> Result<Created, ReleaseError>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match sent {
        Ok(output) => Ok(Created::Yes(output.e_tag.unwrap_or_default())),
        Err(err)
            if err
                .raw_response()
                // 412: the condition failed; 409: a concurrent conditional write won; 404: an
                // `If-Match` on a key that was deleted meanwhile.
                .is_some_and(|raw| matches!(raw.status().as_u16(), 404 | 409 | 412)) =>
        {
            Ok(Created::AlreadyExists)
        }
        Err(err) => Err(ReleaseError::aws("s3:PutObject", err)),
    }
}
