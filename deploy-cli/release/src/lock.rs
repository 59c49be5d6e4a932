//! The deploy lock: an object `locks/<stack>.json` in the artifacts bucket, created and taken
//! over with S3 conditional writes (`If-None-Match: *`, `If-Match: <etag>`) so exactly one deploy
//! of a stack runs at a time. It names its owner and expires, so a crashed deploy blocks others
//! only until its expiry, and a blocked deploy can say who holds the lock and for how long; a
//! running deploy keeps pushing its expiry ahead ([`DeployLock::keep_alive`]).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::ReleaseError;
use crate::names::StackName;
use crate::store::{Created, JsonBucket};

/// The lock document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// Who deploys: `user@host` at a terminal, `github:<repo>#<run>` in Actions.
    pub owner: String,
    /// What is being done (`up v1.2.0`, `rollback`, ...).
    pub purpose: String,
    /// When the lock was taken.
    pub acquired_at: DateTime<Utc>,
    /// When it stops counting.
    pub expires_at: DateTime<Utc>,
}

/// A held lock; release it with [`DeployLock::release`] on every path.
#[derive(Debug)]
pub struct DeployLock {
    store: JsonBucket,
    key: String,
    stack: String,
    held: Arc<Mutex<Held>>,
    keep_alive: Option<KeepAlive>,
}

/// What this process wrote last: the document and its ETag, and whether it still holds it.
#[derive(Debug, Clone)]
struct Held {
    info: LockInfo,
    etag: String,
    lost: bool,
}

#[derive(Debug)]
struct KeepAlive {
    stop: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

/// The object key of a stack's lock.
pub fn lock_key(stack: &StackName) -> String {
    format!("locks/{stack}.json")
}

impl DeployLock {
    /// Takes the lock or fails at once with [`ReleaseError::Locked`] naming the holder and its age.
    /// An expired lock is taken over by a conditional overwrite of the very version that was read
    /// expired, so of two deploys that find the same stale lock exactly one gets it.
    pub async fn acquire(
        store: &JsonBucket,
        stack: &StackName,
        owner: &str,
        purpose: &str,
        ttl: Duration,
    ) -> Result<Self, ReleaseError> {
        let key = lock_key(stack);
        for _ in 0..3 {
            let now = Utc::now();
            let info = LockInfo {
                owner: owner.to_owned(),
                purpose: purpose.to_owned(),
                acquired_at: now,
                expires_at: now + ttl,
            };
            let written = match store.get_tagged::<LockInfo>(&key).await? {
                None => store.create(&key, &info).await?,
                Some((held, _)) if held.expires_at > now => {
                    return Err(ReleaseError::Locked {
                        stack: stack.to_string(),
                        owner: format!("{} ({})", held.owner, held.purpose),
                        age: human(now - held.acquired_at),
                        expires_in: human(held.expires_at - now),
                    });
                }
                Some((stale, etag)) => {
                    tracing::warn!(owner = %stale.owner, "taking over an expired deploy lock");
                    store.replace(&key, &info, &etag).await?
                }
            };
            if let Created::Yes(etag) = written {
                return Ok(Self {
                    store: store.clone(),
                    key,
                    stack: stack.to_string(),
                    held: Arc::new(Mutex::new(Held {
                        info,
                        etag,
                        lost: false,
                    })),
                    keep_alive: None,
                });
            }
        }
        Err(ReleaseError::Invalid(format!(
            "could not take the deploy lock of stack {stack}: it changed hands three times; try again"
        )))
    }

    fn held(&self) -> Held {
        match self.held.lock() {
            Ok(held) => held.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// What the lock says now.
    pub fn info(&self) -> LockInfo {
        self.held().info
    }

    /// Fails with [`ReleaseError::LockLost`] once the lock is known to be someone else's (it
    /// expired and was taken over): a deploy checks this before each step that changes the stack.
    pub fn ensure_held(&self) -> Result<(), ReleaseError> {
        if self.held().lost {
            Err(ReleaseError::LockLost(self.stack.clone()))
        } else {
            Ok(())
        }
    }

    /// Pushes the expiry `ttl` ahead every `ttl / 3` until the lock is released, so a deploy that
    /// runs longer than its TTL keeps it. Each extension is a conditional write of the version
    /// this process wrote last. A write whose answer was lost is recognised by reading the lock
    /// back; a version that is not ours means the lock was taken over, which marks it lost.
    pub fn keep_alive(&mut self, ttl: Duration) {
        let (store, key, held) = (self.store.clone(), self.key.clone(), self.held.clone());
        let every = (ttl / 3)
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(60));
        let stop = Arc::new(tokio::sync::Notify::new());
        let stopped = stop.clone();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = stopped.notified() => return,
                    () = tokio::time::sleep(every) => {}
                }
                let Ok(current) = held.lock().map(|held| held.clone()) else {
                    return;
                };
                let mut info = current.info.clone();
                info.expires_at = Utc::now() + ttl;
                let written = match store.replace(&key, &info, &current.etag).await {
                    Ok(written) => written,
                    Err(err) => {
                        tracing::warn!(%err, "extending the deploy lock failed; reading it back");
                        match store.get_tagged::<LockInfo>(&key).await {
                            Ok(Some((found, etag))) if found == info => Created::Yes(etag),
                            Ok(Some((found, _))) if found == current.info => continue,
                            Ok(_) => Created::AlreadyExists,
                            Err(_) => continue,
                        }
                    }
                };
                let Ok(mut held) = held.lock() else {
                    return;
                };
                match written {
                    Created::Yes(etag) => {
                        held.info = info;
                        held.etag = etag;
                    }
                    Created::AlreadyExists => {
                        tracing::error!("the deploy lock was taken over after it expired; this deploy stops at its next step");
                        held.lost = true;
                        return;
                    }
                }
            }
        });
        self.keep_alive = Some(KeepAlive { stop, task });
    }

    /// Stops extending and gives the lock up: deletes exactly the version this process wrote
    /// last, so a lock taken over meanwhile is never removed.
    pub async fn release(mut self) -> Result<(), ReleaseError> {
        if let Some(keep_alive) = self.keep_alive.take() {
            keep_alive.stop.notify_one();
            let _ = keep_alive.task.await;
        }
        let held = self.held();
        if held.lost {
            return Ok(());
        }
        self.store.delete_if(&self.key, &held.etag).await.map(drop)
    }
}

impl Drop for DeployLock {
    fn drop(&mut self) {
        if let Some(keep_alive) = self.keep_alive.take() {
            keep_alive.task.abort();
        }
    }
}

/// `1h 5m`, `3m 10s`, `42s`: durations as people read them.
pub fn human(duration: Duration) -> String {
    let seconds = duration.num_seconds().max(0);
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m {s}s"),
        _ => format!("{h}h {m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human(Duration::seconds(42)), "42s");
        assert_eq!(human(Duration::seconds(190)), "3m 10s");
        assert_eq!(human(Duration::seconds(3900)), "1h 5m");
        assert_eq!(human(Duration::seconds(-5)), "0s");
    }
}
