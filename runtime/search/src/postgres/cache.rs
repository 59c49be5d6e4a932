//! Embeddings held in process memory, keyed by snippet and validated by document revision.
//!
//! Why: without pgvector every semantic question compares the query with all of the user's
//! embeddings. Moving 10,000 vectors out of PostgreSQL per question costs far more than the
//! comparison itself, so the vectors stay here and each question only reads `(id, revision)`
//! pairs; a vector whose revision changed (or that was never seen) is read again. An unfiltered
//! question goes further: the user's whole candidate list is kept with the user's generation, so
//! while nothing of theirs changed a question reads one row.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

/// Vectors kept by default: 100,000 at 768 dimensions is about 300 MB at most.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// A stored vector and the embedder that wrote it (`Embedder::id`).
#[derive(Clone, Debug, PartialEq)]
pub struct Vector {
    /// The values.
    pub values: Arc<[f32]>,
    /// The embedder that wrote them; only questions embedded by the same one compare with them.
    pub space: Arc<str>,
}

/// A cached vector and the document revision it belongs to.
type Entry = (i64, Vector);

/// One candidate of a question.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The snippet.
    pub id: Uuid,
    /// Whether its owner starred it.
    pub starred: bool,
    /// Its vector.
    pub vector: Vector,
}

/// A user's candidate list and the generation it was read at.
type UserEntry = (i64, Arc<Vec<Candidate>>);

/// The cache; cheap to share behind the backend.
#[derive(Debug)]
pub struct EmbeddingCache {
    entries: Mutex<HashMap<Uuid, Entry>>,
    users: Mutex<HashMap<Uuid, UserEntry>>,
    capacity: usize,
}

impl EmbeddingCache {
    /// A cache of at most `capacity` vectors (0 disables caching: every question reads vectors).
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            users: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// The cached vector of each `(id, revision)`, `None` where it is missing or stale.
    pub fn lookup(&self, wanted: &[(Uuid, i64)]) -> Vec<Option<Vector>> {
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
    pub fn store(&self, fresh: &[(Uuid, i64, Vector)]) {
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

impl EmbeddingCache {
    /// A user's candidates if they were stored at `generation`.
    pub fn user(&self, user: Uuid, generation: i64) -> Option<Arc<Vec<Candidate>>> {
        let users = self.users.lock().ok()?;
        users
            .get(&user)
            .filter(|(cached, _)| *cached == generation)
            .map(|(_, candidates)| candidates.clone())
    }

    /// Remembers a user's candidates at `generation`; when the users' total would pass the
    /// capacity, every user's list is dropped first.
    pub fn store_user(&self, user: Uuid, generation: i64, candidates: Arc<Vec<Candidate>>) {
        if self.capacity == 0 || candidates.len() > self.capacity {
            return;
        }
        let Ok(mut users) = self.users.lock() else {
            return;
        };
        let held: usize = users
            .iter()
            .filter(|(id, _)| **id != user)
            .map(|(_, (_, list))| list.len())
            .sum();
        if held + candidates.len() > self.capacity {
            users.clear();
        }
        users.insert(user, (generation, candidates));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(values: Vec<f32>) -> Vector {
        Vector {
            values: Arc::from(values),
            space: Arc::from("test/2"),
        }
    }

    #[test]
    fn stale_revisions_miss_and_capacity_bounds_memory() {
        let cache = EmbeddingCache::new(2);
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let v = vector(vec![1.0, 0.0]);
        cache.store(&[(a, 1, v.clone()), (b, 1, v.clone())]);
        let hits = cache.lookup(&[(a, 1), (a, 2), (c, 1)]);
        assert!(hits[0].is_some() && hits[1].is_none() && hits[2].is_none());
        assert_eq!(hits[0].as_ref().map(|v| &*v.space), Some("test/2"));
        cache.store(&[(c, 1, v.clone())]);
        assert!(cache.lookup(&[(a, 1)])[0].is_none());
        assert!(cache.lookup(&[(c, 1)])[0].is_some());
        let user = Uuid::new_v4();
        let candidate = Candidate {
            id: a,
            starred: true,
            vector: v.clone(),
        };
        cache.store_user(user, 7, Arc::new(vec![candidate]));
        assert!(cache.user(user, 7).is_some());
        assert!(cache.user(user, 8).is_none());
        let off = EmbeddingCache::new(0);
        off.store(&[(a, 1, v)]);
        assert!(off.lookup(&[(a, 1)])[0].is_none());
    }
}
