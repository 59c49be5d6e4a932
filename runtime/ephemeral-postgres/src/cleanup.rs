//! Every live cluster in this process, so that drop and SIGINT/SIGTERM both leave nothing behind.
//!
//! The first cluster installs a signal thread: on SIGINT or SIGTERM it tears every cluster down
//! (server stopped, directory removed) and then lets the signal do what it would have done.

use std::process::Child;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, Once};
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGINT, SIGTERM};
use tempfile::TempDir;

/// A cluster's resources: its temp dir and, once started, its server process.
struct Live {
    id: u64,
    dir: TempDir,
    server: Option<Child>,
}

static LIVE: Mutex<Vec<Live>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static SIGNALS: Once = Once::new();

fn live() -> MutexGuard<'static, Vec<Live>> {
    // A panic while holding the lock leaves the list itself intact.
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Take ownership of a new cluster's directory; returns its id.
pub(crate) fn register(dir: TempDir) -> u64 {
    SIGNALS.call_once(install_signal_thread);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    live().push(Live {
        id,
        dir,
        server: None,
    });
    id
}

/// Record the server process of cluster `id`.
pub(crate) fn set_server(id: u64, server: Child) {
    if let Some(entry) = live().iter_mut().find(|l| l.id == id) {
        entry.server = Some(server);
    }
}

/// Whether cluster `id`'s server has exited (and with which status); `None` while it runs.
pub(crate) fn server_exit(id: u64) -> Option<std::process::ExitStatus> {
    let mut live = live();
    let server = live.iter_mut().find(|l| l.id == id)?.server.as_mut()?;
    server.try_wait().ok().flatten()
}

/// Forget an exited server so a new one can be started in the same directory.
pub(crate) fn clear_server(id: u64) {
    if let Some(entry) = live().iter_mut().find(|l| l.id == id) {
        entry.server = None;
    }
}

/// Stop cluster `id` and remove its directory.
pub(crate) fn release(id: u64) {
    let taken = {
        let mut live = live();
        live.iter().position(|l| l.id == id).map(|i| live.remove(i))
    };
    if let Some(entry) = taken {
        teardown(entry);
    }
}

fn teardown(entry: Live) {
    if let Some(mut server) = entry.server {
        stop(&mut server);
    }
    // Removal can only fail if someone else changed the directory; nothing more to do then.
    let _ = entry.dir.close();
}

/// Immediate shutdown (SIGQUIT): the postmaster stops its backends and exits; SIGKILL after 5 s.
fn stop(server: &mut Child) {
    if matches!(server.try_wait(), Ok(Some(_))) {
        return;
    }
    if let Ok(pid) = libc::pid_t::try_from(server.id()) {
        // SAFETY: kill has no memory-safety preconditions; pid is our own child.
        unsafe { libc::kill(pid, libc::SIGQUIT) };
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if !matches!(server.try_wait(), Ok(None)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = server.kill();
    let _ = server.wait();
}

fn install_signal_thread() {
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::Builder::new()
        .name("ephemeral-postgres-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let all = std::mem::take(&mut *live());
                all.into_iter().for_each(teardown);
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        })
        .ok();
}
