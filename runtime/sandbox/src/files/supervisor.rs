//! The supervisor of one run: a host thread that receives the child's seccomp listener and
//! answers every path-taking system call of the child until the child is gone.
//!
//! Hand-over: the host gives the zygote one end of a socket pair with the run request; the
//! child, after installing its filter (and before any user code exists), sends the listener
//! descriptor and its working directory on it, then closes both. A child that dies first
//! simply closes the socket. The child's filter also refuses `seccomp()` itself, so user
//! code cannot install a filter of its own whose listener would be asked first.
//!
//! Each call is answered with the result of the supervisor performing it, never with
//! "continue": a continued call would make the kernel read the path from the child's memory
//! again, after the check. Descriptors go back with `SECCOMP_IOCTL_NOTIF_ADDFD` and
//! `SECCOMP_ADDFD_FLAG_SEND`, which installs them and completes the call in one step
//! (Linux 5.14; the child's start-up check fails clearly on older kernels).

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::emulate::{answer, Reply};
use super::remote::{Call, Errno};
use super::{ReadRoots, RunPolicy};
use crate::sys;

/// How long the host waits for a child to hand over its listener (it does so right after
/// fork and confinement, before reading any user code).
const HANDOVER_TIMEOUT: Duration = Duration::from_secs(10);

/// The identity file operations are performed with when the host is root (the child's),
/// so Unix permissions and ownership stay the child's own.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Identity {
    /// The child's uid.
    pub uid: u32,
    /// The child's gid.
    pub gid: u32,
}

/// Starts the supervisor thread of one run on the host's end of the hand-over socket.
/// `done` runs when the thread ends, whatever ended it: only then can no more file
/// operations of the run happen, so only then may its directory be removed.
pub(crate) fn spawn(
    handover: OwnedFd,
    read: Arc<ReadRoots>,
    new_files: u32,
    identity: Option<Identity>,
    done: Box<dyn FnOnce() + Send>,
) -> io::Result<()> {
    std::thread::Builder::new()
        .name("sandbox-files".into())
        .spawn(move || {
            let _done = Done(Some(done));
            if let Err(error) = run(&handover, read, new_files, identity) {
                tracing::warn!(%error, "the file supervisor of a run stopped");
            }
        })
        .map(drop)
}

/// Runs the end-of-supervision callback on drop, so a panic still reports the end.
struct Done(Option<Box<dyn FnOnce() + Send>>);

impl Drop for Done {
    fn drop(&mut self) {
        if let Some(done) = self.0.take() {
            done();
        }
    }
}

fn run(
    handover: &OwnedFd,
    read: Arc<ReadRoots>,
    new_files: u32,
    identity: Option<Identity>,
) -> io::Result<()> {
    own_umask()?;
    if let Some(identity) = identity {
        become_for_files(identity)?;
    }
    if !sys::wait_readable(handover.as_fd(), HANDOVER_TIMEOUT)? {
        return Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the child did not hand over its listener",
        ));
    }
    let mut buffer = vec![0u8; 4096];
    let (length, mut fds) = sys::recv_message(handover.as_fd(), &mut buffer)?;
    let Some(listener) = fds.pop() else {
        // The child died before installing its filter; its run reports that.
        return Ok(());
    };
    let workdir = PathBuf::from(std::ffi::OsStr::from_bytes(&buffer[..length]));
    let workdir = std::fs::canonicalize(&workdir)?;
    let policy = RunPolicy::new(read, workdir, new_files);
    serve(listener.as_fd(), &policy)
}

/// Answers notifications until no process uses the filter any more.
fn serve(listener: BorrowedFd<'_>, policy: &RunPolicy) -> io::Result<()> {
    loop {
        if !sys::wait_readable(listener, Duration::MAX)? {
            return Ok(());
        }
        // SAFETY: an all-zero notification is what SECCOMP_IOCTL_NOTIF_RECV requires.
        let mut notif: libc::seccomp_notif = unsafe { std::mem::zeroed() };
        // SAFETY: the ioctl fills `notif`, which we own.
        let received = unsafe {
            libc::ioctl(
                listener.as_raw_fd(),
                libc::SECCOMP_IOCTL_NOTIF_RECV,
                &mut notif,
            )
        };
        if received < 0 {
            let error = io::Error::last_os_error();
            match error.raw_os_error() {
                // The caller was killed or interrupted, or another poll woke us: next one.
                Some(libc::ENOENT | libc::EINTR | libc::EAGAIN) => continue,
                _ => return Err(error),
            }
        }
        let call = Call {
            notif: &notif,
            listener,
        };
        respond(listener, notif.id, answer(&call, policy));
    }
}

/// Completes the call; a caller that vanished meanwhile (ENOENT) needs no answer.
fn respond(listener: BorrowedFd<'_>, id: u64, reply: Reply) {
    let result = match reply {
        Reply::Descriptor(fd, cloexec) => {
            let addfd = libc::seccomp_notif_addfd {
                id,
                flags: libc::SECCOMP_ADDFD_FLAG_SEND as u32,
                srcfd: fd.as_raw_fd() as u32,
                newfd: 0,
                newfd_flags: if cloexec { libc::O_CLOEXEC as u32 } else { 0 },
            };
            // SAFETY: the ioctl reads `addfd`, which we own; `fd` stays open during it.
            let result = unsafe {
                libc::ioctl(
                    listener.as_raw_fd(),
                    libc::SECCOMP_IOCTL_NOTIF_ADDFD,
                    &addfd,
                )
            };
            if result < 0 {
                let error = Errno::last();
                if error.0 == libc::ENOENT {
                    return;
                }
                // The descriptor could not be installed (EMFILE at the child's limit, or
                // a kernel without ADDFD_FLAG_SEND): the call fails with that errno.
                send(listener, id, 0, -error.0)
            } else {
                0
            }
        }
        Reply::Value(value) => send(listener, id, value, 0),
        Reply::Error(Errno(errno)) => send(listener, id, 0, -errno),
    };
    if result < 0 {
        let error = io::Error::last_os_error();
        if error.raw_os_error() != Some(libc::ENOENT) {
            tracing::warn!(%error, "cannot answer a child's system call");
        }
    }
}

fn send(listener: BorrowedFd<'_>, id: u64, val: i64, error: i32) -> libc::c_int {
    let response = libc::seccomp_notif_resp {
        id,
        val,
        error,
        flags: 0,
    };
    // SAFETY: the ioctl reads `response`, which we own.
    unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_SEND,
            &response,
        )
    }
}

/// Gives this thread its own umask, cleared: files it creates for a child get exactly the
/// mode the emulation computed from the child's request and umask, and the host's umask
/// (shared by its other threads) is left alone.
fn own_umask() -> io::Result<()> {
    // SAFETY: unshare(CLONE_FS) passes no memory; it detaches this thread's root, working
    // directory and umask from the rest of the process.
    if unsafe { libc::unshare(libc::CLONE_FS) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: umask cannot fail.
    unsafe { libc::umask(0) };
    Ok(())
}

/// Gives this thread (only) the child's identity for file operations: no supplementary
/// groups and the child's filesystem uid and gid, which also clears root's file
/// capabilities from the thread's effective set. Raw system calls, because glibc applies
/// `setgroups` to every thread of the process.
fn become_for_files(identity: Identity) -> io::Result<()> {
    // SAFETY: setgroups with an empty list passes no memory.
    if unsafe { libc::syscall(libc::SYS_setgroups, 0, std::ptr::null::<libc::gid_t>()) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: setfsgid/setfsuid take plain ids; each returns the previous id.
    unsafe {
        libc::syscall(libc::SYS_setfsgid, identity.gid);
        libc::syscall(libc::SYS_setfsuid, identity.uid);
    }
    // setfsuid reports no error: read the ids back (an invalid id leaves them unchanged).
    // SAFETY: as above, with an id that cannot be valid, so nothing changes.
    let (uid, gid) = unsafe {
        (
            libc::syscall(libc::SYS_setfsuid, u32::MAX),
            libc::syscall(libc::SYS_setfsgid, u32::MAX),
        )
    };
    if uid != i64::from(identity.uid) || gid != i64::from(identity.gid) {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "cannot take the child's filesystem identity",
        ));
    }
    Ok(())
}
