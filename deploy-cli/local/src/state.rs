//! A stack's directory and its `state.json`: what runs, where, and what to remove.
//!
//! The directory is `$CODE_REMOTE_STACKS_DIR/<name>`, else `$XDG_RUNTIME_DIR/code-remote/stacks/<name>`,
//! else `/tmp/code-remote/stacks/<name>`. It holds `state.json`, the children's logs and the
//! supervisor's log. The state file is rewritten atomically at each step, so that `deploy down`,
//! `deploy outputs` and the next `deploy up` of the same name always read a whole file, even after
//! the supervisor was SIGKILLed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::outputs::Outputs;
use crate::procs::ProcessRecord;
use crate::{Error, LocalName};

/// How far a stack has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    /// Services are being started.
    Starting,
    /// Everything is up and the demo data is seeded.
    Ready,
    /// Start-up failed; `error` says why.
    Failed,
    /// The stack is being torn down.
    Stopping,
}

/// The contents of `state.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    /// The stack's name.
    pub name: String,
    /// How far start-up has come.
    pub phase: Phase,
    /// Why start-up failed, when it did.
    pub error: Option<String>,
    /// The process that owns the stack (`deploy up`, or its detached copy).
    pub supervisor: Option<ProcessRecord>,
    /// Every process the stack started, in start order.
    pub processes: Vec<ProcessRecord>,
    /// Directories outside the stack directory that must go with the stack (e.g. the cluster's).
    pub dirs: Vec<PathBuf>,
    /// Ports by service.
    pub ports: std::collections::BTreeMap<String, u16>,
    /// The stack's endpoints, once ready.
    pub outputs: Option<Outputs>,
    /// The seeded demo user's sign-in, once ready.
    pub demo: Option<DemoUser>,
}

/// The seeded user's credentials, shown at start-up and kept for `deploy outputs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoUser {
    /// The username to sign in with.
    pub username: String,
    /// Its password.
    pub password: String,
}

impl State {
    /// A fresh state for a stack that is about to start.
    pub fn starting(name: &LocalName) -> Self {
        Self {
            name: name.to_string(),
            phase: Phase::Starting,
            error: None,
            supervisor: ProcessRecord::of("supervisor", std::process::id()),
            processes: Vec::new(),
            dirs: Vec::new(),
            ports: Default::default(),
            outputs: None,
            demo: None,
        }
    }

    /// Whether the process owning the stack still runs.
    pub fn supervisor_alive(&self) -> bool {
        self.supervisor
            .as_ref()
            .is_some_and(ProcessRecord::is_alive)
    }
}

/// A stack's directory.
#[derive(Debug, Clone)]
pub struct StackDir {
    name: LocalName,
    root: PathBuf,
}

impl StackDir {
    /// The directory of stack `name` (not created).
    pub fn of(name: &LocalName) -> Self {
        Self {
            name: name.clone(),
            root: stacks_root().join(name.as_str()),
        }
    }

    /// The stack's name.
    pub fn name(&self) -> &LocalName {
        &self.name
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The state file.
    pub fn state_file(&self) -> PathBuf {
        self.root.join("state.json")
    }

    /// The log of child `name`.
    pub fn log(&self, name: &str) -> PathBuf {
        self.root.join("logs").join(format!("{name}.log"))
    }

    /// Creates the directory and its `logs/`.
    pub fn create(&self) -> Result<(), Error> {
        let logs = self.root.join("logs");
        std::fs::create_dir_all(&logs)
            .map_err(|e| Error::io(format!("creating {}", logs.display()), e))
    }

    /// The current state; `None` when the stack has no state file.
    pub fn read(&self) -> Result<Option<State>, Error> {
        let path = self.state_file();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| Error::BadState {
                name: self.name.to_string(),
                path,
                reason: e.to_string(),
            })
    }

    /// Replaces the state file atomically.
    pub fn write(&self, state: &State) -> Result<(), Error> {
        let path = self.state_file();
        let temporary = self.root.join(".state.json.tmp");
        let text = serde_json::to_vec_pretty(state)
            .map_err(|e| Error::io("encoding the stack state", std::io::Error::other(e)))?;
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, &path))
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))
    }

    /// Kills every recorded process that still runs (children first, in reverse start order,
    /// then the supervisor) and removes the recorded directories and the stack directory.
    pub fn reap(&self, state: Option<&State>) -> Result<(), Error> {
        if let Some(state) = state {
            for process in state.processes.iter().rev() {
                process.terminate(libc::SIGTERM, Duration::from_secs(5));
            }
            if let Some(supervisor) = &state.supervisor {
                if supervisor.pid != std::process::id() {
                    supervisor.terminate(libc::SIGKILL, Duration::from_secs(2));
                }
            }
            for dir in &state.dirs {
                remove_dir(dir)?;
            }
        }
        remove_dir(&self.root)
    }
}

fn remove_dir(dir: &Path) -> Result<(), Error> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(format!("removing {}", dir.display()), e)),
    }
}

/// Where every stack's directory lives.
fn stacks_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("CODE_REMOTE_STACKS_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(runtime) => PathBuf::from(runtime).join("code-remote/stacks"),
        None => std::env::temp_dir().join("code-remote/stacks"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack_in(root: &Path) -> StackDir {
        StackDir {
            name: LocalName::parse("t").unwrap(),
            root: root.join("t"),
        }
    }

    #[test]
    fn state_round_trips_and_reap_removes_everything() {
        let base = tempfile::tempdir().unwrap();
        let dir = stack_in(base.path());
        dir.create().unwrap();
        assert!(dir.read().unwrap().is_none());
        let extra = base.path().join("cluster");
        std::fs::create_dir(&extra).unwrap();
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let mut state = State::starting(dir.name());
        state
            .processes
            .push(ProcessRecord::of("sleep", child.id()).unwrap());
        state.dirs.push(extra.clone());
        dir.write(&state).unwrap();
        let read = dir.read().unwrap().unwrap();
        assert_eq!(read.processes, state.processes);
        assert!(read.supervisor_alive());
        let reaper = std::thread::spawn(move || child.wait());
        dir.reap(Some(&read)).unwrap();
        reaper.join().unwrap().unwrap();
        assert!(!read.processes[0].is_alive());
        assert!(!extra.exists());
        assert!(!dir.root().exists());
    }

    #[test]
    fn a_corrupt_state_file_names_itself() {
        let base = tempfile::tempdir().unwrap();
        let dir = stack_in(base.path());
        dir.create().unwrap();
        std::fs::write(dir.state_file(), "{").unwrap();
        let message = dir.read().unwrap_err().to_string();
        assert!(message.contains("state.json"), "{message}");
        assert!(message.contains("deploy down"), "{message}");
    }
}
