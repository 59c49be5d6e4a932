//! The deploy lock: an object `locks/<stack>.json` in the artifacts bucket, created with an S3
//! conditional write so exactly one deploy of a stack runs at a time. It names its owner and
//! expires, so a crashed deploy blocks others only until its expiry, and a blocked deploy can say
//! who holds the lock and for how long.

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
    info: LockInfo,
}

/// The object key of a stack's lock.
pub fn lock_key(stack: &StackName) -> String {
    format!("locks/{stack}.json")
}

impl DeployLock {
    /// Takes the lock or fails at once with [`ReleaseError::Locked`] naming the holder and its age.
    /// An expired lock is taken over.
    pub async fn acquire(
        store: &JsonBucket,
        stack: &StackName,
        owner: &str,
        purpose: &str,
        ttl: Duration,
    ) -> Result<Self, ReleaseError> {
        let key = lock_key(stack);
        for _ in 0..2 {
            let now = Utc::now();
            let info = LockInfo {
                owner: owner.to_owned(),
                purpose: purpose.to_owned(),
                acquired_at: now,
                expires_at: now + ttl,
            };
            if let Created::Yes = store.create(&key, &info).await? {
                return Ok(Self {
                    store: store.clone(),
                    key,
                    info,
                });
            }
            match store.get::<LockInfo>(&key).await? {
                Some(held) if held.expires_at > now => {
                    return Err(ReleaseError::Locked {
                        stack: stack.to_string(),
                        owner: format!("{} ({})", held.owner, held.purpose),
                        age: human(now - held.acquired_at),
                        expires_in: human(held.expires_at - now),
                    });
                }
                Some(stale) => {
                    tracing::warn!(owner = %stale.owner, "taking over an expired deploy lock");
                    store.delete(&key).await?;
                }
                None => {}
            }
        }
        Err(ReleaseError::Invalid(format!(
            "could not take the deploy lock of stack {stack}: it changed hands twice; try again"
        )))
    }

    /// What the lock says.
    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    /// Gives the lock up, unless someone took it over after it expired.
    pub async fn release(self) -> Result<(), ReleaseError> {
        match self.store.get::<LockInfo>(&self.key).await? {
            Some(current) if current == self.info => self.store.delete(&self.key).await,
            _ => Ok(()),
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
