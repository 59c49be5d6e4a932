//! Fair share of the execution capacity between users (docs/architecture.md, "Fair share").
//!
//! `POST /execute` runs in this process's sandbox, whose slots every user shares: one user
//! holding them all would make everyone else wait. Each user may have [`SYNC_RUNS_PER_USER`]
//! runs in flight here; more are answered `429` with `Retry-After`. `POST /execute/async`
//! counts the user's unfinished jobs in the database, shared by every API instance, and
//! refuses beyond [`PENDING_JOBS_PER_USER`]; the worker then serves users fairly by
//! construction, since each user's jobs form one FIFO message group.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use code_remote_domain::UserId;

/// Runs of `POST /execute` one user may have in flight in one API process.
pub const SYNC_RUNS_PER_USER: usize = 2;
/// Queued or running jobs one user may have (jobs older than the store's window do not count).
pub const PENDING_JOBS_PER_USER: i64 = 10;
/// `Retry-After` of a refused `POST /execute`, in seconds (a run lasts at most 30 s, most far less).
pub const SYNC_RETRY_AFTER_SECS: u32 = 1;
/// `Retry-After` of a refused `POST /execute/async`, in seconds.
pub const ASYNC_RETRY_AFTER_SECS: u32 = 5;

/// In-flight `POST /execute` runs per user in this process.
#[derive(Debug, Default, Clone)]
pub struct SyncSlots {
    in_flight: Arc<Mutex<HashMap<UserId, usize>>>,
}

/// One user's slot, given back when dropped (the run ended or its request was dropped).
#[derive(Debug)]
pub struct SyncSlot {
    slots: SyncSlots,
    user: UserId,
}

impl SyncSlots {
    /// A slot for `user`, or `None` when the user already has [`SYNC_RUNS_PER_USER`] runs.
    pub fn take(&self, user: UserId) -> Option<SyncSlot> {
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let count = in_flight.entry(user).or_insert(0);
        if *count >= SYNC_RUNS_PER_USER {
            return None;
        }
        *count += 1;
        Some(SyncSlot {
            slots: self.clone(),
            user,
        })
    }
}

impl Drop for SyncSlot {
    fn drop(&mut self) {
        let mut in_flight = self
            .slots
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = in_flight.get_mut(&self.user) {
            *count -= 1;
            if *count == 0 {
                in_flight.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_user_gets_its_own_slots_back_when_runs_end() {
        let slots = SyncSlots::default();
        let (alice, bob) = (UserId::generate(), UserId::generate());
        let first = slots.take(alice).expect("first slot");
        let second = slots.take(alice).expect("second slot");
        assert!(slots.take(alice).is_none(), "a third run waits its turn");
        assert!(slots.take(bob).is_some(), "another user is not affected");
        drop(first);
        let third = slots.take(alice).expect("a slot freed by an ended run");
        drop((second, third));
        assert!(slots.in_flight.lock().expect("lock").is_empty());
    }
}
