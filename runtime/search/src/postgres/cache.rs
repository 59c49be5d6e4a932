//! Embeddings held in process memory, keyed by snippet and validated by document revision.
//!
//! Why: without pgvector every semantic question compares the query with all of the user's
//! embeddings. Moving 10,000 vectors out of PostgreSQL per question costs far more than the
//! comparison itself, so the vectors stay here and each question only reads `(id, revision)`
//! pairs; a vector whose revision changed (or that was never seen) is read again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

/// Vectors kept by default: 100,000 at 768 dimensions is about 300 MB at most.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// A cached vector and the document revision it belongs to.
type Entry = (i64, Arc<[f32]>);

/// The cache; cheap to share behind the backend.
#[derive(Debug)]
pub struct EmbeddingCache {
    entries: Mutex<HashMap<Uuid, Entry>>,
    capacity: usize,
}

impl EmbeddingCache {
    /// A cache of at most `capacity` vectors (0 disables caching: every question reads vectors).
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// The cached vector of each `(id, revision)`, `None` where it is missing or stale.
    pub fn lookup(&self, wanted: &[(Uuid, i64)]) -> Vec<Option<Arc<[f32]>>> {
        let Ok(entries) = self.entries.lock() else {
            return vec![None; wanted.len()];
        };
        wanted
            .iter()
            .map(|(id, revision)| {
                entries
                    .get(id)
                    .filter(|(cached, _)| cached == revision)
                    .map(|(_, vector)| vector.clone())
            })
            .collect()
    }

    /// Remembers vectors; when full, everything is dropped at once (bounded memory, simple).
    pub fn store(&self, fresh: &[(Uuid, i64, Arc<[f32]>)]) {
        if self.capacity == 0 {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() + fresh.len() > self.capacity {
            entries.clear();
        }
        for (id, revision, vector) in fresh.iter().take(self.capacity) {
            entries.insert(*id, (*revision, vector.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_revisions_miss_and_capacity_bounds_memory() {
        let cache = EmbeddingCache::new(2);
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let v: Arc<[f32]> = Arc::from(vec![1.0f32, 0.0]);
        cache.store(&[(a, 1, v.clone()), (b, 1, v.clone())]);
        let hits = cache.lookup(&[(a, 1), (a, 2), (c, 1)]);
        assert!(hits[0].is_some() && hits[1].is_none() && hits[2].is_none());
        cache.store(&[(c, 1, v)]);
        assert!(cache.lookup(&[(a, 1)])[0].is_none());
        assert!(cache.lookup(&[(c, 1)])[0].is_some());
        let off = EmbeddingCache::new(0);
        off.store(&[(a, 1, Arc::from(vec![1.0f32]))]);
        assert!(off.lookup(&[(a, 1)])[0].is_none());
    }
}
