//! Running the server as an unprivileged account: PostgreSQL refuses to run as root.

use std::ffi::CString;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use crate::Error;

/// The account the server runs as: `None` when we are not root and simply run as ourselves.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunAs {
    ids: Option<(libc::uid_t, libc::gid_t)>,
}

impl RunAs {
    /// Decide who runs the server: ourselves, or `nobody` when we are root.
    pub(crate) fn resolve() -> Result<Self, Error> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return Ok(Self { ids: None });
        }
        let name = CString::new("nobody").map_err(|_| Error::NoUnprivilegedUser)?;
        // SAFETY: getpwnam returns a pointer to static storage or null; we copy the two ids out at once.
        let entry = unsafe { libc::getpwnam(name.as_ptr()) };
        if entry.is_null() {
            return Err(Error::NoUnprivilegedUser);
        }
        // SAFETY: entry is non-null and points to a valid passwd record.
        let ids = unsafe { ((*entry).pw_uid, (*entry).pw_gid) };
        Ok(Self { ids: Some(ids) })
    }

    /// Give `path` to the server's account so it can write there.
    pub(crate) fn own(&self, path: &Path) -> Result<(), Error> {
        if let Some((uid, gid)) = self.ids {
            std::os::unix::fs::chown(path, Some(uid), Some(gid))
                .map_err(|e| Error::io("giving the server account", path, e))?;
        }
        Ok(())
    }

    /// Make `command` drop to the server's account before it executes.
    pub(crate) fn apply(&self, command: &mut Command) {
        if let Some((uid, gid)) = self.ids {
            // SAFETY: only async-signal-safe calls (setgroups, setgid, setuid) run between fork and exec.
            unsafe {
                command.pre_exec(move || {
                    if libc::setgroups(0, std::ptr::null()) != 0
                        || libc::setgid(gid) != 0
                        || libc::setuid(uid) != 0
                    {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
    }
}
