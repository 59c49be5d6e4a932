//! File confinement: which layer keeps a child to its own directory and the interpreter's
//! files, and the policy the seccomp supervisor enforces where Landlock is missing.
//!
//! Lambda runs the worker unprivileged, without user namespaces and without Landlock, which
//! removes bubblewrap's read-only root, the uid drop and Landlock at once (docs/sandbox.md,
//! "File confinement"). There the child's seccomp filter hands every path-taking system
//! call to a supervisor thread in the host ([`supervisor`]), which performs the call itself
//! on the child's behalf after checking where the path really leads, and hands back the
//! resulting descriptor or data. The child never resolves a path in the kernel itself, so
//! nothing it changes in its memory after the check can redirect the call.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

mod emulate;
mod remote;
pub(crate) mod supervisor;

pub(crate) use emulate::supervised_syscalls;

/// How file access is confined; `Auto` picks the strongest layer this host has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileConfinement {
    /// Landlock where the kernel has it, else the seccomp supervisor.
    #[default]
    Auto,
    /// Landlock only; the sandbox refuses to start without it.
    Landlock,
    /// The seccomp supervisor, even where Landlock exists (and without bubblewrap, whose
    /// private mount namespace the supervisor cannot see into).
    Supervisor,
    /// No file confinement: only Unix permissions limit what a child reads and writes. Only
    /// for hosts where nothing else works, chosen explicitly.
    None,
}

/// The accepted spellings, for error messages.
const SPELLINGS: &str = "auto, landlock, supervisor or none";

impl FromStr for FileConfinement {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "auto" => Ok(Self::Auto),
            "landlock" => Ok(Self::Landlock),
            "supervisor" => Ok(Self::Supervisor),
            "none" => Ok(Self::None),
            other => Err(format!("`{other}` is not one of {SPELLINGS}")),
        }
    }
}

/// The file-confinement layer measured in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileLayer {
    /// Landlock rules applied by each child.
    Landlock,
    /// Every path-taking system call performed by the host's supervisor after a check.
    Supervisor,
    /// Nothing beyond Unix permissions (explicitly accepted).
    None,
}

impl fmt::Display for FileLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Landlock => "landlock",
            Self::Supervisor => "supervisor",
            Self::None => "none",
        })
    }
}

/// What a checked path is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Reading a file or directory, or its metadata.
    Read,
    /// Creating, changing or removing it.
    Write,
}

/// Device nodes every run may read, under either layer: what CPython and the allowed
/// modules open.
pub(crate) const READ_DEVICES: &[&str] = &["/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"];
/// Device nodes every run may also write.
pub(crate) const WRITE_DEVICES: &[&str] = &["/dev/null"];

/// The paths every run may read, resolved once per sandbox. A run adds its own directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReadRoots {
    roots: Vec<PathBuf>,
}

impl ReadRoots {
    /// Canonical forms of `paths` (the interpreter's files, from the zygote's handshake);
    /// paths that do not exist are left out, and `/` never counts as a root.
    pub(crate) fn resolve(paths: &[PathBuf]) -> Self {
        let mut roots: Vec<PathBuf> = paths
            .iter()
            .filter_map(|path| std::fs::canonicalize(path).ok())
            .filter(|path| path.parent().is_some())
            .collect();
        roots.sort();
        roots.dedup();
        Self { roots }
    }
}

/// What one run may touch: the shared read roots and its own directory, and how many more
/// files and directories it may create there.
#[derive(Debug)]
pub(crate) struct RunPolicy {
    read: std::sync::Arc<ReadRoots>,
    workdir: PathBuf,
    new_files_left: std::cell::Cell<u32>,
}

impl RunPolicy {
    /// The policy for a run whose private directory is `workdir` (canonicalized), allowed to
    /// create `new_files` files and directories.
    pub(crate) fn new(read: std::sync::Arc<ReadRoots>, workdir: PathBuf, new_files: u32) -> Self {
        Self {
            read,
            workdir,
            new_files_left: std::cell::Cell::new(new_files),
        }
    }

    /// Counts one new file or directory; false once the run has used its allowance.
    pub(crate) fn take_new_file(&self) -> bool {
        let left = self.new_files_left.get();
        self.new_files_left.set(left.saturating_sub(1));
        left > 0
    }

    /// Where a place stands for a lookup walking through it: readable, an ancestor of
    /// something readable, or outside.
    pub(crate) fn place(&self, real: &Path) -> remote::Place {
        if self.allows(real, Access::Read) {
            return remote::Place::Inside;
        }
        let below = |root: &Path| root.starts_with(real);
        if below(&self.workdir)
            || READ_DEVICES.iter().any(|device| below(Path::new(device)))
            || self.read.roots.iter().any(|root| below(root))
        {
            remote::Place::Through
        } else {
            remote::Place::Outside
        }
    }

    /// Whether a run may access the object whose real (kernel-resolved) path is `real`.
    pub(crate) fn allows(&self, real: &Path, access: Access) -> bool {
        if real.starts_with(&self.workdir) {
            return true;
        }
        match access {
            Access::Read => {
                READ_DEVICES.iter().any(|device| real == Path::new(device))
                    || self.read.roots.iter().any(|root| real.starts_with(root))
            }
            Access::Write => WRITE_DEVICES.iter().any(|device| real == Path::new(device)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn policy() -> RunPolicy {
        let read = ReadRoots {
            roots: vec![PathBuf::from("/usr/lib"), PathBuf::from("/var/lang")],
        };
        RunPolicy::new(Arc::new(read), PathBuf::from("/tmp/sb/run-abc"), 2)
    }

    #[test]
    fn lookups_pass_through_ancestors_only() {
        use remote::Place;
        let policy = policy();
        for (path, place) in [
            ("/", Place::Through),
            ("/usr", Place::Through),
            ("/usr/lib", Place::Inside),
            ("/tmp", Place::Through),
            ("/tmp/sb", Place::Through),
            ("/tmp/sb/run-abc/x", Place::Inside),
            ("/tmp/sb/run-other", Place::Outside),
            ("/dev", Place::Through),
            ("/dev/null", Place::Inside),
            ("/etc", Place::Outside),
            ("/proc", Place::Outside),
            ("/usr/share", Place::Outside),
        ] {
            assert_eq!(policy.place(Path::new(path)), place, "{path}");
        }
    }

    #[test]
    fn new_files_are_counted_down() {
        let policy = policy();
        assert!(policy.take_new_file());
        assert!(policy.take_new_file());
        assert!(!policy.take_new_file());
        assert!(!policy.take_new_file());
    }

    #[test]
    fn a_run_writes_only_its_own_directory_and_dev_null() {
        let policy = policy();
        for path in ["/tmp/sb/run-abc", "/tmp/sb/run-abc/x/y", "/dev/null"] {
            assert!(policy.allows(Path::new(path), Access::Write), "{path}");
        }
        for path in [
            "/tmp/sb/run-abcd/x",
            "/tmp/sb/run-other/x",
            "/tmp/sb",
            "/usr/lib/python3.11/os.py",
            "/dev/urandom",
            "/etc/passwd",
        ] {
            assert!(!policy.allows(Path::new(path), Access::Write), "{path}");
        }
    }

    #[test]
    fn a_run_reads_the_interpreter_its_directory_and_a_few_devices() {
        let policy = policy();
        for path in [
            "/usr/lib/python3.11/os.py",
            "/var/lang/lib/python3.12/json/__init__.py",
            "/tmp/sb/run-abc/data.txt",
            "/dev/urandom",
        ] {
            assert!(policy.allows(Path::new(path), Access::Read), "{path}");
        }
        for path in [
            "/usr/libexec/x",
            "/usr",
            "/etc/passwd",
            "/proc/1/environ",
            "/tmp/sb/run-other/secret",
            "/dev/mem",
            "pipe:[123]",
        ] {
            assert!(!policy.allows(Path::new(path), Access::Read), "{path}");
        }
    }

    #[test]
    fn roots_are_canonical_and_never_the_whole_filesystem() {
        let roots = ReadRoots::resolve(&[
            PathBuf::from("/"),
            PathBuf::from("/usr/lib/../lib"),
            PathBuf::from("/does/not/exist"),
        ]);
        assert_eq!(roots.roots, [PathBuf::from("/usr/lib")]);
    }

    #[test]
    fn spellings_parse_and_others_are_named() {
        assert_eq!("supervisor".parse(), Ok(FileConfinement::Supervisor));
        assert_eq!("none".parse(), Ok(FileConfinement::None));
        let error = "Landlock".parse::<FileConfinement>().unwrap_err();
        assert!(
            error.contains("`Landlock`") && error.contains(SPELLINGS),
            "{error}"
        );
    }
}
