//! The path-taking system calls the supervisor performs for a child, each with the child's
//! semantics: the same flags, results and errno, except that anything outside the run's
//! policy fails with `EACCES` (what Landlock answers), including lookups of host paths that
//! do not exist, so errors do not reveal which ones do.

use std::ffi::{CStr, CString};
use std::mem;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::Path;

use super::remote::{open, openat, self_entry, Call, Errno, Found, Place};
use super::{Access, RunPolicy};

/// How the supervisor answers one call.
pub(crate) enum Reply {
    /// The call's return value.
    Value(i64),
    /// A descriptor to install in the child as the call's result (close-on-exec or not).
    Descriptor(OwnedFd, bool),
    /// Failure with this errno.
    Error(Errno),
}

impl From<Result<Reply, Errno>> for Reply {
    fn from(result: Result<Reply, Errno>) -> Self {
        result.unwrap_or_else(Reply::Error)
    }
}

const DENIED: Errno = Errno(libc::EACCES);
/// What a run gets once it has created as many files as it may.
const NO_MORE_FILES: Errno = Errno(libc::EDQUOT);

/// Answers one intercepted call according to `policy`.
pub(crate) fn answer(call: &Call<'_>, policy: &RunPolicy) -> Reply {
    let emulate = Emulate { call, policy };
    let nr = libc::c_long::from(call.notif.data.nr);
    let fd = |index| call.fd_arg(index);
    let arg = |index| call.arg(index);
    let flags = |index| arg(index) as u32 as libc::c_int;
    let result = match nr {
        libc::SYS_openat => emulate.open(fd(0), arg(1), flags(2), arg(3) as libc::mode_t),
        libc::SYS_newfstatat => emulate.stat(fd(0), arg(1), arg(2), flags(3)),
        libc::SYS_statx => emulate.statx(fd(0), arg(1), flags(2), arg(3) as u32, arg(4)),
        libc::SYS_faccessat => emulate.access(fd(0), arg(1), flags(2), 0),
        libc::SYS_faccessat2 => emulate.access(fd(0), arg(1), flags(2), flags(3)),
        libc::SYS_readlinkat => emulate.readlink(fd(0), arg(1), arg(2), arg(3)),
        libc::SYS_mkdirat => emulate.mkdir(fd(0), arg(1), arg(2) as libc::mode_t),
        libc::SYS_unlinkat => emulate.unlink(fd(0), arg(1), flags(2)),
        libc::SYS_renameat2 => emulate.rename(fd(0), arg(1), fd(2), arg(3), arg(4) as u32),
        libc::SYS_fchmodat => emulate.chmod(fd(0), arg(1), arg(2) as libc::mode_t),
        _ => legacy(&emulate, nr),
    };
    result.into()
}

/// The x86-64 calls that predate the `*at` family (arm64 has only the latter).
#[cfg(target_arch = "x86_64")]
fn legacy(emulate: &Emulate<'_>, nr: libc::c_long) -> Result<Reply, Errno> {
    const CWD: RawFd = libc::AT_FDCWD;
    let call = emulate.call;
    let arg = |index| call.arg(index);
    let flags = |index| arg(index) as u32 as libc::c_int;
    match nr {
        libc::SYS_open => emulate.open(CWD, arg(0), flags(1), arg(2) as libc::mode_t),
        libc::SYS_creat => emulate.open(
            CWD,
            arg(0),
            libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC,
            arg(1) as libc::mode_t,
        ),
        libc::SYS_stat => emulate.stat(CWD, arg(0), arg(1), 0),
        libc::SYS_lstat => emulate.stat(CWD, arg(0), arg(1), libc::AT_SYMLINK_NOFOLLOW),
        libc::SYS_access => emulate.access(CWD, arg(0), flags(1), 0),
        libc::SYS_readlink => emulate.readlink(CWD, arg(0), arg(1), arg(2)),
        libc::SYS_mkdir => emulate.mkdir(CWD, arg(0), arg(1) as libc::mode_t),
        libc::SYS_rmdir => emulate.unlink(CWD, arg(0), libc::AT_REMOVEDIR),
        libc::SYS_unlink => emulate.unlink(CWD, arg(0), 0),
        libc::SYS_rename => emulate.rename(CWD, arg(0), CWD, arg(1), 0),
        libc::SYS_renameat => emulate.rename(call.fd_arg(0), arg(1), call.fd_arg(2), arg(3), 0),
        libc::SYS_chmod => emulate.chmod(CWD, arg(0), arg(1) as libc::mode_t),
        _ => Err(Errno(libc::ENOSYS)),
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn legacy(_emulate: &Emulate<'_>, _nr: libc::c_long) -> Result<Reply, Errno> {
    Err(Errno(libc::ENOSYS))
}

/// The calls the child's filter hands to the supervisor, in [`answer`]'s order.
pub(crate) fn supervised_syscalls() -> Vec<libc::c_long> {
    // The x86-64 additions below are the only mutation.
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
    let mut calls = vec![
        libc::SYS_openat,
        libc::SYS_newfstatat,
        libc::SYS_statx,
        libc::SYS_faccessat,
        libc::SYS_faccessat2,
        libc::SYS_readlinkat,
        libc::SYS_mkdirat,
        libc::SYS_unlinkat,
        libc::SYS_renameat2,
        libc::SYS_fchmodat,
    ];
    #[cfg(target_arch = "x86_64")]
    calls.extend([
        libc::SYS_open,
        libc::SYS_creat,
        libc::SYS_stat,
        libc::SYS_lstat,
        libc::SYS_access,
        libc::SYS_readlink,
        libc::SYS_mkdir,
        libc::SYS_rmdir,
        libc::SYS_unlink,
        libc::SYS_rename,
        libc::SYS_renameat,
        libc::SYS_chmod,
    ]);
    calls
}

struct Emulate<'a> {
    call: &'a Call<'a>,
    policy: &'a RunPolicy,
}

impl Emulate<'_> {
    /// Fails unless the object found may be accessed this way.
    fn check(&self, found: &Found, access: Access) -> Result<(), Errno> {
        match &found.real {
            None => Ok(()),
            Some(real) if self.policy.allows(real, access) => Ok(()),
            Some(_) => Err(DENIED),
        }
    }

    /// Counts a file or directory about to be created against the run's allowance.
    fn new_file(&self) -> Result<(), Errno> {
        if self.policy.take_new_file() {
            Ok(())
        } else {
            Err(NO_MORE_FILES)
        }
    }

    /// How a lookup judges the places it walks through.
    fn may_look(&self, place: &Path) -> Place {
        self.policy.place(place)
    }

    fn lookup(
        &self,
        dirfd: RawFd,
        path: &CStr,
        follow: bool,
        access: Access,
    ) -> Result<Found, Errno> {
        let found = self
            .call
            .lookup(dirfd, path, follow, &|place| self.may_look(place))?;
        self.check(&found, access)?;
        Ok(found)
    }

    /// The parent of a name to create, rename or remove: it must be writable by the run.
    fn parent(&self, dirfd: RawFd, path: &CStr) -> Result<(Found, CString), Errno> {
        let (parent, name) = self
            .call
            .parent(dirfd, path, &|place| self.may_look(place))?;
        self.check(&parent, Access::Write)?;
        Ok((parent, name))
    }

    /// The permission bits of something created for the child: its requested mode less its
    /// umask, never set-id or sticky.
    fn creation_mode(&self, mode: libc::mode_t) -> libc::mode_t {
        mode & 0o777 & !self.call.umask()
    }

    fn open(
        &self,
        dirfd: RawFd,
        address: u64,
        flags: libc::c_int,
        mode: libc::mode_t,
    ) -> Result<Reply, Errno> {
        let path = self.call.string(address)?;
        let cloexec = flags & libc::O_CLOEXEC != 0;
        let tmpfile = flags & libc::O_TMPFILE == libc::O_TMPFILE;
        let writes = flags & libc::O_ACCMODE != libc::O_RDONLY
            || flags & (libc::O_CREAT | libc::O_TRUNC) != 0
            || tmpfile;
        let access = if writes { Access::Write } else { Access::Read };
        if tmpfile {
            // The path names the directory the unnamed file is created in.
            let directory = self.lookup(dirfd, &path, true, Access::Write)?;
            self.new_file()?;
            self.call.still_valid()?;
            let fd = openat(
                directory.fd.as_raw_fd(),
                c".",
                flags,
                self.creation_mode(mode),
            )?;
            return Ok(Reply::Descriptor(fd, cloexec));
        }
        let follow = flags & libc::O_NOFOLLOW == 0;
        let may_look = |place: &Path| self.may_look(place);
        match self.call.lookup(dirfd, &path, follow, &may_look) {
            Ok(found) => {
                self.check(&found, access)?;
                if flags & (libc::O_CREAT | libc::O_EXCL) == libc::O_CREAT | libc::O_EXCL {
                    return Err(Errno(libc::EEXIST));
                }
                if !follow && flags & libc::O_PATH == 0 && is_symlink(&found.fd)? {
                    return Err(Errno(libc::ELOOP));
                }
                // A descriptor opened O_PATH cannot be handed over (the kernel refuses it),
                // so such a request gets a read-only descriptor of the same object.
                let reopen = if flags & libc::O_PATH != 0 {
                    libc::O_RDONLY | libc::O_NONBLOCK | (flags & libc::O_DIRECTORY)
                } else {
                    flags & !(libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW)
                };
                if writes {
                    self.call.still_valid()?;
                }
                let fd = open(&self_entry(found.fd.as_raw_fd()), reopen, 0)?;
                Ok(Reply::Descriptor(fd, cloexec))
            }
            Err(Errno(libc::ENOENT)) if flags & libc::O_CREAT != 0 => {
                let (parent, name) = self.parent(dirfd, &path)?;
                self.new_file()?;
                self.call.still_valid()?;
                let fd = openat(
                    parent.fd.as_raw_fd(),
                    &name,
                    flags | libc::O_NOFOLLOW,
                    self.creation_mode(mode),
                )?;
                Ok(Reply::Descriptor(fd, cloexec))
            }
            Err(error) => Err(error),
        }
    }

    /// The object a stat-like call names: its own descriptor for an empty path with
    /// `AT_EMPTY_PATH`, else a checked lookup.
    fn target(&self, dirfd: RawFd, address: u64, flags: libc::c_int) -> Result<Found, Errno> {
        let path = self.call.string(address)?;
        if path.is_empty() && flags & libc::AT_EMPTY_PATH != 0 {
            let found = self
                .call
                .own_descriptor(dirfd, &|place| self.may_look(place))?;
            self.check(&found, Access::Read)?;
            return Ok(found);
        }
        let follow = flags & libc::AT_SYMLINK_NOFOLLOW == 0;
        self.lookup(dirfd, &path, follow, Access::Read)
    }

    fn stat(
        &self,
        dirfd: RawFd,
        address: u64,
        buffer: u64,
        flags: libc::c_int,
    ) -> Result<Reply, Errno> {
        let found = self.target(dirfd, address, flags)?;
        // SAFETY: an all-zero `struct stat` is valid; fstat fills it.
        let mut stat: libc::stat = unsafe { mem::zeroed() };
        // SAFETY: `stat` is ours and large enough; the descriptor is open.
        if unsafe { libc::fstat(found.fd.as_raw_fd(), &mut stat) } < 0 {
            return Err(Errno::last());
        }
        self.call.write(buffer, bytes_of(&stat))?;
        Ok(Reply::Value(0))
    }

    fn statx(
        &self,
        dirfd: RawFd,
        address: u64,
        flags: libc::c_int,
        mask: u32,
        buffer: u64,
    ) -> Result<Reply, Errno> {
        let found = self.target(dirfd, address, flags)?;
        // SAFETY: an all-zero `struct statx` is valid; statx fills it.
        let mut statx: libc::statx = unsafe { mem::zeroed() };
        let sync = flags & libc::AT_STATX_SYNC_TYPE;
        // SAFETY: an empty path with AT_EMPTY_PATH on our descriptor; `statx` is ours.
        let result = unsafe {
            libc::statx(
                found.fd.as_raw_fd(),
                c"".as_ptr(),
                libc::AT_EMPTY_PATH | sync,
                mask,
                &mut statx,
            )
        };
        if result < 0 {
            return Err(Errno::last());
        }
        self.call.write(buffer, bytes_of(&statx))?;
        Ok(Reply::Value(0))
    }

    fn access(
        &self,
        dirfd: RawFd,
        address: u64,
        mode: libc::c_int,
        flags: libc::c_int,
    ) -> Result<Reply, Errno> {
        let access = if mode & libc::W_OK != 0 {
            Access::Write
        } else {
            Access::Read
        };
        let path = self.call.string(address)?;
        let found = if path.is_empty() && flags & libc::AT_EMPTY_PATH != 0 {
            let found = self
                .call
                .own_descriptor(dirfd, &|place| self.may_look(place))?;
            self.check(&found, access)?;
            found
        } else {
            let follow = flags & libc::AT_SYMLINK_NOFOLLOW == 0;
            self.lookup(dirfd, &path, follow, access)?
        };
        // SAFETY: an empty path with AT_EMPTY_PATH on our descriptor. AT_EACCESS checks with
        // this thread's filesystem identity, which is the child's (see `supervisor`).
        let result = unsafe {
            libc::syscall(
                libc::SYS_faccessat2,
                found.fd.as_raw_fd(),
                c"".as_ptr(),
                mode,
                libc::AT_EMPTY_PATH | libc::AT_EACCESS,
            )
        };
        if result < 0 {
            return Err(Errno::last());
        }
        Ok(Reply::Value(0))
    }

    fn readlink(&self, dirfd: RawFd, address: u64, buffer: u64, size: u64) -> Result<Reply, Errno> {
        let size = usize::try_from(size as u32 as i32).map_err(|_| Errno(libc::EINVAL))?;
        if size == 0 {
            return Err(Errno(libc::EINVAL));
        }
        let path = self.call.string(address)?;
        let found = self.lookup(dirfd, &path, false, Access::Read)?;
        let mut target = vec![0u8; size.min(4096)];
        // SAFETY: an empty path names the symlink our O_PATH descriptor refers to; `target`
        // is ours and its length is passed.
        let length = unsafe {
            libc::readlinkat(
                found.fd.as_raw_fd(),
                c"".as_ptr(),
                target.as_mut_ptr().cast(),
                target.len(),
            )
        };
        let length = usize::try_from(length).map_err(|_| Errno::last())?;
        self.call.write(buffer, &target[..length])?;
        Ok(Reply::Value(length as i64))
    }

    fn mkdir(&self, dirfd: RawFd, address: u64, mode: libc::mode_t) -> Result<Reply, Errno> {
        let path = self.call.string(address)?;
        let (parent, name) = self.parent(dirfd, &path).map_err(|error| {
            if error.0 == libc::EINVAL {
                Errno(libc::EEXIST)
            } else {
                error
            }
        })?;
        self.new_file()?;
        // Owner access is kept so the zygote can always remove the run's directory.
        let mode = self.creation_mode(mode) | 0o700;
        self.call.still_valid()?;
        // SAFETY: a valid descriptor and C string.
        if unsafe { libc::mkdirat(parent.fd.as_raw_fd(), name.as_ptr(), mode) } < 0 {
            return Err(Errno::last());
        }
        Ok(Reply::Value(0))
    }

    fn unlink(&self, dirfd: RawFd, address: u64, flags: libc::c_int) -> Result<Reply, Errno> {
        let path = self.call.string(address)?;
        let (parent, name) = self.parent(dirfd, &path)?;
        self.call.still_valid()?;
        // SAFETY: a valid descriptor and C string.
        let result = unsafe {
            libc::unlinkat(
                parent.fd.as_raw_fd(),
                name.as_ptr(),
                flags & libc::AT_REMOVEDIR,
            )
        };
        if result < 0 {
            return Err(Errno::last());
        }
        Ok(Reply::Value(0))
    }

    fn rename(
        &self,
        from_dirfd: RawFd,
        from: u64,
        to_dirfd: RawFd,
        to: u64,
        flags: u32,
    ) -> Result<Reply, Errno> {
        // A whiteout is a new device node, made without counting against the allowance.
        if flags & libc::RENAME_WHITEOUT != 0 {
            return Err(Errno(libc::EPERM));
        }
        let (from_parent, from_name) = self.parent(from_dirfd, &self.call.string(from)?)?;
        let (to_parent, to_name) = self.parent(to_dirfd, &self.call.string(to)?)?;
        self.call.still_valid()?;
        // SAFETY: valid descriptors and C strings.
        let result = unsafe {
            libc::syscall(
                libc::SYS_renameat2,
                from_parent.fd.as_raw_fd(),
                from_name.as_ptr(),
                to_parent.fd.as_raw_fd(),
                to_name.as_ptr(),
                flags,
            )
        };
        if result < 0 {
            return Err(Errno::last());
        }
        Ok(Reply::Value(0))
    }

    fn chmod(&self, dirfd: RawFd, address: u64, mode: libc::mode_t) -> Result<Reply, Errno> {
        let path = self.call.string(address)?;
        let found = self.lookup(dirfd, &path, true, Access::Write)?;
        let mut mode = mode & 0o777;
        if is_directory(&found.fd)? {
            // Owner access is kept so the zygote can always remove the run's directory.
            mode |= 0o700;
        }
        let entry = self_entry(found.fd.as_raw_fd());
        self.call.still_valid()?;
        // SAFETY: a valid C string naming our own descriptor's object.
        if unsafe { libc::chmod(entry.as_ptr(), mode) } < 0 {
            return Err(Errno::last());
        }
        Ok(Reply::Value(0))
    }
}

fn file_type(fd: &OwnedFd) -> Result<libc::mode_t, Errno> {
    // SAFETY: an all-zero `struct stat` is valid; fstat fills it.
    let mut stat: libc::stat = unsafe { mem::zeroed() };
    // SAFETY: `stat` is ours; the descriptor is open.
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut stat) } < 0 {
        return Err(Errno::last());
    }
    Ok(stat.st_mode & libc::S_IFMT)
}

fn is_symlink(fd: &OwnedFd) -> Result<bool, Errno> {
    Ok(file_type(fd)? == libc::S_IFLNK)
}

fn is_directory(fd: &OwnedFd) -> Result<bool, Errno> {
    Ok(file_type(fd)? == libc::S_IFDIR)
}

/// The bytes of a plain C struct, as the kernel would copy it out.
fn bytes_of<T: Copy>(value: &T) -> &[u8] {
    // SAFETY: `T` is a plain C struct the kernel filled (no padding is uninitialized: it was
    // zeroed first); the slice lives no longer than the borrow.
    unsafe { std::slice::from_raw_parts((value as *const T).cast::<u8>(), mem::size_of::<T>()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_supervised_call_has_an_emulation() {
        let calls = supervised_syscalls();
        let mut sorted = calls.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), calls.len(), "a call is listed twice");
        assert!(calls.contains(&libc::SYS_openat));
        assert!(calls.contains(&libc::SYS_newfstatat));
        assert!(
            !calls.contains(&libc::SYS_linkat),
            "links are denied, not emulated"
        );
        assert!(!calls.contains(&libc::SYS_symlinkat));
    }
}
