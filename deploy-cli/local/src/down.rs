//! `deploy down --stack local`: stop a stack from another process, and check nothing is left.

use std::time::{Duration, Instant};

use crate::state::StackDir;
use crate::{Error, LocalName};

/// How long the supervisor gets to tear its stack down before everything is killed by pid.
const SUPERVISOR_GRACE: Duration = Duration::from_secs(30);

/// Stops stack `name`: asks its supervisor to tear down, then kills and removes whatever the
/// state file still lists (all of it when the supervisor was SIGKILLed).
pub fn down(name: &LocalName) -> Result<(), Error> {
    let dir = StackDir::of(name);
    let Some(state) = dir.read()? else {
        if dir.root().exists() {
            return dir.reap(None);
        }
        return Err(Error::NotRunning(name.to_string()));
    };
    if let Some(supervisor) = state.supervisor.as_ref().filter(|s| s.is_alive()) {
        supervisor.signal(libc::SIGTERM);
        let deadline = Instant::now() + SUPERVISOR_GRACE;
        while supervisor.is_alive() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    dir.reap(Some(&state))
}
