//! One intercepted system call of a child: its arguments, the strings and buffers in the
//! child's memory they point to, and the lookup of a path the way the child would see it.
//!
//! Everything read from the child is read once into the supervisor's memory and used from
//! there, so the child cannot change a path between the check and its use. Lookups never
//! follow "magic" links (`/proc/<pid>/fd/*` and the like), and the object found is judged by
//! the path the kernel reports for the descriptor actually opened, not by the string the
//! child passed.

use std::ffi::{CStr, CString};
use std::io;
use std::mem;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// An errno to answer the child with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Errno(pub i32);

impl Errno {
    /// The errno of the last failed libc call in this thread.
    pub(crate) fn last() -> Self {
        Self(
            io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO),
        )
    }
}

impl From<io::Error> for Errno {
    fn from(error: io::Error) -> Self {
        Self(error.raw_os_error().unwrap_or(libc::EIO))
    }
}

/// The longest path the kernel accepts, terminating NUL included.
const PATH_MAX: usize = 4096;
const PAGE: u64 = 4096;

/// A seccomp notification being answered.
pub(crate) struct Call<'a> {
    /// The notification as the kernel delivered it.
    pub notif: &'a libc::seccomp_notif,
    /// The listener it came from.
    pub listener: BorrowedFd<'a>,
}

/// An object the child named, opened `O_PATH` by the supervisor.
pub(crate) struct Found {
    /// The descriptor (no access to the contents; reopened for that).
    pub fd: OwnedFd,
    /// Where the kernel says it is, or `None` for a descriptor the child already holds.
    pub real: Option<PathBuf>,
}

impl Call<'_> {
    /// Argument `index` of the system call.
    pub(crate) fn arg(&self, index: usize) -> u64 {
        self.notif.data.args[index]
    }

    /// Argument `index` as a descriptor number (the kernel reads it as a 32-bit int).
    pub(crate) fn fd_arg(&self, index: usize) -> RawFd {
        self.arg(index) as u32 as i32
    }

    fn pid(&self) -> libc::pid_t {
        self.notif.pid as libc::pid_t
    }

    /// Fails when the notifying thread is gone, so a /proc entry just opened cannot belong
    /// to a process that reused its pid.
    pub(crate) fn still_valid(&self) -> Result<(), Errno> {
        let mut id = self.notif.id;
        // SAFETY: the ioctl reads one u64 we own.
        let result = unsafe {
            libc::ioctl(
                self.listener.as_raw_fd(),
                libc::SECCOMP_IOCTL_NOTIF_ID_VALID,
                &mut id,
            )
        };
        if result < 0 {
            return Err(Errno(libc::ESRCH));
        }
        Ok(())
    }

    /// Reads the NUL-terminated string at `address` in the child.
    pub(crate) fn string(&self, address: u64) -> Result<CString, Errno> {
        if address == 0 {
            return Err(Errno(libc::EFAULT));
        }
        let mut bytes = Vec::with_capacity(256);
        let mut cursor = address;
        while bytes.len() < PATH_MAX {
            let to_page_end = PAGE - cursor % PAGE;
            let want = usize::try_from(to_page_end)
                .unwrap_or(PATH_MAX)
                .min(PATH_MAX - bytes.len());
            let start = bytes.len();
            bytes.resize(start + want, 0);
            let read = self.read(cursor, &mut bytes[start..])?;
            bytes.truncate(start + read);
            if let Some(nul) = bytes[start..].iter().position(|byte| *byte == 0) {
                bytes.truncate(start + nul);
                return CString::new(bytes).map_err(|_| Errno(libc::EINVAL));
            }
            if read < want {
                return Err(Errno(libc::EFAULT));
            }
            cursor += read as u64;
        }
        Err(Errno(libc::ENAMETOOLONG))
    }

    fn read(&self, address: u64, into: &mut [u8]) -> Result<usize, Errno> {
        let local = libc::iovec {
            iov_base: into.as_mut_ptr().cast(),
            iov_len: into.len(),
        };
        let remote = libc::iovec {
            iov_base: address as *mut libc::c_void,
            iov_len: into.len(),
        };
        // SAFETY: `local` covers `into`, which we own; the remote range is the child's and
        // the kernel checks it.
        let read = unsafe { libc::process_vm_readv(self.pid(), &local, 1, &remote, 1, 0) };
        usize::try_from(read).map_err(|_| Errno(libc::EFAULT))
    }

    /// Writes `bytes` to `address` in the child (a result buffer it passed), once the
    /// notification is known to be current (its pid cannot have been reused).
    pub(crate) fn write(&self, address: u64, bytes: &[u8]) -> Result<(), Errno> {
        self.still_valid()?;
        let local = libc::iovec {
            iov_base: bytes.as_ptr() as *mut libc::c_void,
            iov_len: bytes.len(),
        };
        let remote = libc::iovec {
            iov_base: address as *mut libc::c_void,
            iov_len: bytes.len(),
        };
        // SAFETY: as in `read`; the local buffer is only read.
        let written = unsafe { libc::process_vm_writev(self.pid(), &local, 1, &remote, 1, 0) };
        match usize::try_from(written) {
            Ok(length) if length == bytes.len() => Ok(()),
            _ => Err(Errno(libc::EFAULT)),
        }
    }

    /// Opens the child's working directory, or the object its descriptor `fd` refers to.
    fn proc_entry(&self, dirfd: RawFd, flags: libc::c_int) -> Result<OwnedFd, Errno> {
        let entry = if dirfd == libc::AT_FDCWD {
            format!("/proc/{}/cwd", self.pid())
        } else if dirfd >= 0 {
            format!("/proc/{}/fd/{dirfd}", self.pid())
        } else {
            return Err(Errno(libc::EBADF));
        };
        let fd = open(&cstring(entry.as_bytes())?, flags | libc::O_PATH, 0).map_err(|error| {
            if error.0 == libc::ENOENT {
                Errno(libc::EBADF)
            } else {
                error
            }
        })?;
        self.still_valid()?;
        Ok(fd)
    }

    /// A descriptor the child already holds (for `AT_EMPTY_PATH`): no check is needed, the
    /// child got it from the supervisor or the zygote. Its working directory is looked up
    /// as `.` and judged like any path.
    pub(crate) fn own_descriptor(
        &self,
        dirfd: RawFd,
        may_look: &Judge<'_>,
    ) -> Result<Found, Errno> {
        if dirfd == libc::AT_FDCWD {
            return self.lookup(dirfd, c".", true, may_look);
        }
        let fd = self.proc_entry(dirfd, 0)?;
        Ok(Found { fd, real: None })
    }

    /// Looks `path` up relative to `dirfd` as the child would, following a final symlink
    /// when `follow`: the descriptor and where it really is.
    ///
    /// The walk goes one component at a time from a descriptor opened once (the root, or
    /// the child's working directory or `dirfd` as it was when the call began), so the
    /// child cannot move the starting point mid-way. Every place it reaches is judged: it
    /// stops with EACCES on entering a place [`Place::Outside`] (so `..` cannot lead back
    /// from there and tell which directories exist), and a component that fails reports its
    /// errno only where the walk stood [`Place::Inside`]; otherwise EACCES, so failures
    /// reveal nothing about other places.
    pub(crate) fn lookup(
        &self,
        dirfd: RawFd,
        path: &CStr,
        follow: bool,
        may_look: &Judge<'_>,
    ) -> Result<Found, Errno> {
        let bytes = path.to_bytes();
        if bytes.is_empty() {
            return Err(Errno(libc::ENOENT));
        }
        let mut current = if bytes.starts_with(b"/") {
            open(c"/", libc::O_PATH | libc::O_DIRECTORY, 0)?
        } else {
            self.proc_entry(dirfd, libc::O_DIRECTORY)?
        };
        let mut real = real_path(current.as_raw_fd())?;
        if may_look(&real) == Place::Outside {
            return Err(Errno(libc::EACCES));
        }
        let components: Vec<&[u8]> = bytes
            .split(|byte| *byte == b'/')
            .filter(|component| !component.is_empty())
            .collect();
        let trailing_slash = bytes.ends_with(b"/");
        for (index, component) in components.iter().enumerate() {
            let mut flags = libc::O_PATH | libc::O_CLOEXEC;
            if index + 1 == components.len() {
                if trailing_slash {
                    flags |= libc::O_DIRECTORY;
                } else if !follow {
                    flags |= libc::O_NOFOLLOW;
                }
            }
            let name = cstring(component)?;
            match openat2(
                current.as_raw_fd(),
                &name,
                flags,
                0,
                libc::RESOLVE_NO_MAGICLINKS,
            ) {
                Ok(next) => {
                    let reached = real_path(next.as_raw_fd())?;
                    if may_look(&reached) == Place::Outside {
                        return Err(Errno(libc::EACCES));
                    }
                    current = next;
                    real = reached;
                }
                Err(error) => {
                    return Err(if may_look(&real) == Place::Inside {
                        error
                    } else {
                        Errno(libc::EACCES)
                    })
                }
            }
        }
        Ok(Found {
            fd: current,
            real: Some(real),
        })
    }

    /// The parent directory of `path` (looked up like any path) and the last component,
    /// for calls that create, rename or remove a name.
    pub(crate) fn parent(
        &self,
        dirfd: RawFd,
        path: &CStr,
        may_look: &Judge<'_>,
    ) -> Result<(Found, CString), Errno> {
        let bytes = path.to_bytes();
        let trimmed = match bytes.iter().rposition(|byte| *byte != b'/') {
            Some(last) => &bytes[..=last],
            None => return Err(Errno(libc::EBUSY)),
        };
        let (directory, name) = match trimmed.iter().rposition(|byte| *byte == b'/') {
            Some(0) => (&b"/"[..], &trimmed[1..]),
            Some(slash) => (&trimmed[..slash], &trimmed[slash + 1..]),
            None => (&b"."[..], trimmed),
        };
        if name == b"." || name == b".." {
            return Err(Errno(libc::EINVAL));
        }
        let parent = self.lookup(dirfd, &cstring(directory)?, true, may_look)?;
        Ok((parent, cstring(name)?))
    }

    /// The child's umask (per process), for files and directories created on its behalf.
    pub(crate) fn umask(&self) -> libc::mode_t {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|line| line.strip_prefix("Umask:"))
                    .and_then(|value| libc::mode_t::from_str_radix(value.trim(), 8).ok())
            })
            .unwrap_or(0o022)
    }
}

/// Where a place the walk reached stands with the run's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// The run may read it: a failure there may report its real errno.
    Inside,
    /// An ancestor of somewhere the run may read (`/`, `/usr`, ...): the walk may pass.
    Through,
    /// Anywhere else: the walk stops with EACCES on entering it.
    Outside,
}

/// Judges a place the walk reached.
pub(crate) type Judge<'a> = dyn Fn(&Path) -> Place + 'a;

/// A C string from bytes that came from a C string (so hold no NUL).
pub(crate) fn cstring(bytes: &[u8]) -> Result<CString, Errno> {
    CString::new(bytes).map_err(|_| Errno(libc::EINVAL))
}

/// `open(2)` in the supervisor, close-on-exec.
pub(crate) fn open(path: &CStr, flags: libc::c_int, mode: libc::mode_t) -> Result<OwnedFd, Errno> {
    // SAFETY: a valid C string; the kernel returns a new descriptor or -1.
    let fd = unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC, mode) };
    owned(fd)
}

/// `openat(2)` in the supervisor, close-on-exec.
pub(crate) fn openat(
    dirfd: RawFd,
    path: &CStr,
    flags: libc::c_int,
    mode: libc::mode_t,
) -> Result<OwnedFd, Errno> {
    // SAFETY: as in `open`.
    let fd = unsafe { libc::openat(dirfd, path.as_ptr(), flags | libc::O_CLOEXEC, mode) };
    owned(fd)
}

/// `struct open_how` of openat2(2).
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

fn openat2(
    dirfd: RawFd,
    path: &CStr,
    flags: libc::c_int,
    mode: libc::mode_t,
    resolve: u64,
) -> Result<OwnedFd, Errno> {
    let how = OpenHow {
        flags: u64::from(flags as u32),
        mode: u64::from(mode),
        resolve,
    };
    // SAFETY: `how` and `path` outlive the call; the kernel returns a descriptor or -1.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dirfd,
            path.as_ptr(),
            &how as *const OpenHow,
            mem::size_of::<OpenHow>(),
        )
    };
    owned(i32::try_from(fd).unwrap_or(-1))
}

fn owned(fd: libc::c_int) -> Result<OwnedFd, Errno> {
    if fd < 0 {
        return Err(Errno::last());
    }
    // SAFETY: the kernel just returned this descriptor; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `/proc/self/fd/<fd>`: reopens or names the object behind one of our descriptors.
pub(crate) fn self_entry(fd: RawFd) -> CString {
    CString::new(format!("/proc/self/fd/{fd}")).unwrap_or_default()
}

/// The absolute path the kernel reports for our descriptor; refuses objects without one
/// (pipes, sockets, anonymous inodes) and files since deleted.
fn real_path(fd: RawFd) -> Result<PathBuf, Errno> {
    let link = std::fs::read_link(Path::new(std::ffi::OsStr::from_bytes(
        self_entry(fd).to_bytes(),
    )))?;
    let bytes = link.as_os_str().as_bytes();
    if !link.is_absolute() || bytes.ends_with(b" (deleted)") {
        return Err(Errno(libc::EACCES));
    }
    Ok(link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_paths_come_from_the_kernel_and_refuse_pipes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").expect("write");
        let fd = open(
            &cstring(file.as_os_str().as_bytes()).expect("path"),
            libc::O_PATH,
            0,
        )
        .expect("open");
        assert_eq!(
            real_path(fd.as_raw_fd()).expect("real path"),
            std::fs::canonicalize(&file).expect("canonical")
        );
        let (read, _write) = crate::sys::pipe().expect("pipe");
        assert_eq!(real_path(read.as_raw_fd()), Err(Errno(libc::EACCES)));
        std::fs::remove_file(&file).expect("remove");
        assert_eq!(real_path(fd.as_raw_fd()), Err(Errno(libc::EACCES)));
    }

    #[test]
    fn magic_links_are_not_followed() {
        let proc_self = cstring(b"/proc/self/cwd").expect("path");
        assert_eq!(
            openat2(
                libc::AT_FDCWD,
                &proc_self,
                libc::O_PATH,
                0,
                libc::RESOLVE_NO_MAGICLINKS
            )
            .err(),
            Some(Errno(libc::ELOOP))
        );
    }
}
