//! Process identity and termination by pid, for reaping what a killed stack left behind.
//!
//! A pid alone may have been reused by an unrelated process since it was written down, so every
//! recorded process carries its start time (field 22 of `/proc/<pid>/stat`) and is only signalled
//! while both still match.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// A process as recorded in a stack's state file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessRecord {
    /// What it is (`api`, `moto`, `postgres`, ...).
    pub name: String,
    /// Its pid.
    pub pid: u32,
    /// Its start time in clock ticks since boot, to tell it from a later process with the same pid.
    pub start_ticks: u64,
}

impl ProcessRecord {
    /// Records the running process `pid`; `None` when it is already gone.
    pub fn of(name: impl Into<String>, pid: u32) -> Option<Self> {
        start_ticks(pid).map(|start_ticks| Self {
            name: name.into(),
            pid,
            start_ticks,
        })
    }

    /// Whether the recorded process still runs (and is not a zombie).
    pub fn is_alive(&self) -> bool {
        start_ticks(self.pid) == Some(self.start_ticks)
    }

    /// Sends `signal`, then SIGKILL if the process outlives `grace`; returns once it is gone.
    pub fn terminate(&self, signal: libc::c_int, grace: Duration) {
        if !self.is_alive() {
            return;
        }
        self.signal(signal);
        let deadline = Instant::now() + grace;
        while self.is_alive() {
            if Instant::now() > deadline {
                self.signal(libc::SIGKILL);
                let hard_deadline = Instant::now() + Duration::from_secs(2);
                while self.is_alive() && Instant::now() < hard_deadline {
                    std::thread::sleep(Duration::from_millis(10));
                }
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends `signal` if the recorded process still runs.
    pub fn signal(&self, signal: libc::c_int) {
        if let (true, Ok(pid)) = (self.is_alive(), libc::pid_t::try_from(self.pid)) {
            // SAFETY: kill has no memory-safety preconditions; the pid was checked to be ours above.
            unsafe { libc::kill(pid, signal) };
        }
    }
}

/// The start time of a live, non-zombie process, from `/proc/<pid>/stat`.
fn start_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?;
    if state == "Z" || state == "X" {
        return None;
    }
    // `rest` starts at field 3 (state); the start time is field 22.
    fields.nth(22 - 4)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_this_process_and_sees_it_alive() {
        let me = ProcessRecord::of("test", std::process::id()).unwrap();
        assert!(me.is_alive());
        let reused = ProcessRecord {
            start_ticks: me.start_ticks + 1,
            ..me.clone()
        };
        assert!(
            !reused.is_alive(),
            "a different start time is another process"
        );
    }

    #[test]
    fn terminates_a_child_and_reports_it_gone() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let record = ProcessRecord::of("sleep", child.id()).unwrap();
        let reaper = std::thread::spawn(move || child.wait());
        record.terminate(libc::SIGTERM, Duration::from_secs(5));
        reaper.join().unwrap().unwrap();
        assert!(!record.is_alive());
    }
}
