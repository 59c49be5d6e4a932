//! File confinement, run against every layer this host can provide: the seccomp supervisor
//! always (it is what Lambda has), Landlock where the kernel offers it. A run reads only its
//! own directory and the interpreter's files, writes only its own directory, and sees nothing
//! another run wrote, one after the other or at the same time.

mod common;

use std::time::Duration;

use code_remote_sandbox::{FileConfinement, FileLayer, Sandbox};
use common::{run, sandbox_with, BYPASSED, GUARDED};

/// The sandboxes to test: the supervisor, and Landlock when this host has it.
async fn confined() -> Vec<Sandbox> {
    let mut sandboxes = vec![sandbox_with(BYPASSED, FileConfinement::Supervisor).await];
    let auto = sandbox_with(BYPASSED, FileConfinement::Auto).await;
    if auto.layers().files == FileLayer::Landlock {
        sandboxes.push(auto);
    } else {
        println!("Landlock is not available here: only the supervisor is tested");
    }
    sandboxes
}

fn layer(sandbox: &Sandbox) -> FileLayer {
    sandbox.layers().files
}

/// What the code prints for each host path it tries: `READ`/`WROTE` or the error's name.
const PROBE: &str = r#"
import os
def attempt(label, action):
    try:
        action()
        print(label, "OK")
    except OSError as e:
        print(label, type(e).__name__)
"#;

#[tokio::test]
async fn the_supervisor_is_named_and_bubblewrap_is_not_used_with_it() {
    let sandbox = sandbox_with(BYPASSED, FileConfinement::Supervisor).await;
    let layers = sandbox.layers();
    assert_eq!(layers.files, FileLayer::Supervisor);
    assert_eq!(layers.landlock, None);
    assert!(
        !layers.namespaces,
        "the supervisor resolves paths in the host's namespace"
    );
    assert!(layers.to_string().contains("files=supervisor"), "{layers}");
    assert!(!layers.missing().contains(&"files"));
}

#[tokio::test]
async fn host_files_are_neither_read_nor_written_nor_probed() {
    for sandbox in confined().await {
        let code = format!(
            "{PROBE}
attempt('read-passwd', lambda: open('/etc/passwd').read())
attempt('read-proc-environ', lambda: open('/proc/self/environ').read())
attempt('read-proc-of-zygote', lambda: open(f'/proc/{{os.getppid()}}/environ').read())
attempt('list-tmp', lambda: os.listdir('/tmp'))
attempt('list-root', lambda: os.listdir('/'))
attempt('stat-passwd', lambda: os.stat('/etc/passwd'))
attempt('stat-missing-host-path', lambda: os.stat('/etc/no-such-file-here'))
attempt('write-tmp', lambda: open('/tmp/cr-files-escape', 'w').write('x'))
attempt('write-parent', lambda: open('../cr-files-escape', 'w').write('x'))
attempt('mkdir-tmp', lambda: os.mkdir('/tmp/cr-files-dir'))
attempt('rename-out', lambda: (open('mine', 'w').write('x'), os.rename('mine', '/tmp/cr-files-moved')))
attempt('unlink-host', lambda: os.unlink('/etc/hostname'))
attempt('chmod-host', lambda: os.chmod('/tmp', 0o777))
attempt('symlink', lambda: os.symlink('/etc/passwd', 'p'))
attempt('hardlink', lambda: os.link('/etc/passwd', 'h'))
attempt('chdir-then-read', lambda: (os.chdir('/etc'), open('passwd').read()))
"
        );
        let result = run(&sandbox, &code, 10.0).await;
        assert!(result.success, "{}: {result:?}", layer(&sandbox));
        let lines: Vec<&str> = result.stdout.lines().collect();
        assert_eq!(lines.len(), 16, "{result:?}");
        // Landlock governs opening, not metadata, and allows symlinks inside the run's
        // directory (following one out of it is what it refuses).
        let landlock_allows = ["stat-passwd OK", "stat-missing-host-path", "symlink OK"];
        for line in &lines {
            if layer(&sandbox) == FileLayer::Landlock
                && landlock_allows
                    .iter()
                    .any(|allowed| line.starts_with(allowed))
            {
                continue;
            }
            assert!(
                !line.ends_with(" OK"),
                "{}: {line} succeeded: {result:?}",
                layer(&sandbox)
            );
        }
        assert!(!result.stdout.contains("root:"));
        for host_path in [
            "/tmp/cr-files-escape",
            "/tmp/cr-files-dir",
            "/tmp/cr-files-moved",
        ] {
            assert!(
                !std::path::Path::new(host_path).exists(),
                "{}: {host_path} was written on the host",
                layer(&sandbox)
            );
        }
        if layer(&sandbox) == FileLayer::Supervisor {
            // The supervisor answers as Landlock does, and a missing host path looks like an
            // existing one, so errors reveal nothing about the host's files.
            assert!(
                result.stdout.contains("stat-passwd PermissionError"),
                "{result:?}"
            );
            assert!(
                result
                    .stdout
                    .contains("stat-missing-host-path PermissionError"),
                "{result:?}"
            );
        }
    }
}

#[tokio::test]
async fn ordinary_file_work_in_the_run_directory_behaves_as_usual() {
    for sandbox in confined().await {
        let code = r#"
import os, tempfile, json, shutil
open('a.txt', 'w').write('hello')
print(open('a.txt').read())
os.mkdir('d')
os.rename('a.txt', 'd/b.txt')
print(sorted(os.listdir('d')))
print(os.path.exists('d/b.txt'), os.path.exists('a.txt'), os.path.isdir('d'))
os.chmod('d/b.txt', 0o600)
print(oct(os.stat('d/b.txt').st_mode & 0o777))
with tempfile.TemporaryFile(dir='.') as f:
    f.write(b'x'); f.seek(0); print(f.read())
fd, name = tempfile.mkstemp(dir='.')
os.write(fd, b'123'); os.close(fd)
print(os.path.getsize(name))
os.unlink(name)
shutil.rmtree('d')
print(os.listdir('.'))
with open('/dev/null', 'w') as null:
    null.write('discarded')
print(len(open('/dev/urandom', 'rb').read(8)))
import encodings.idna, email.utils
print(json.dumps({'ok': True}))
"#;
        let result = run(&sandbox, code, 10.0).await;
        assert!(result.success, "{}: {result:?}", layer(&sandbox));
        assert_eq!(
            result.stdout,
            "hello\n['b.txt']\nTrue False True\n0o600\nb'x'\n3\n[]\n8\n{\"ok\": true}\n",
            "{}",
            layer(&sandbox)
        );
    }
}

#[tokio::test]
async fn sys_path_holds_no_writable_directory() {
    for sandbox in confined().await {
        let code = "import os, sys\nprint([p for p in sys.path if p in ('', '.') or os.access(p or '.', os.W_OK)])\nprint(os.access('.', os.W_OK))";
        let result = run(&sandbox, code, 5.0).await;
        assert!(result.success, "{result:?}");
        assert_eq!(result.stdout, "[]\nTrue\n", "{}", layer(&sandbox));
    }
}

/// Run A leaves a file in its directory and says where; run B tries to read it, list it and
/// plant a file beside it.
const PEEK: &str = r#"
import os
target = TARGET
base = os.path.dirname(os.path.dirname(target))
for label, action in [
    ('read', lambda: open(target).read()),
    ('list-dir', lambda: os.listdir(os.path.dirname(target))),
    ('list-base', lambda: os.listdir(base)),
    ('stat', lambda: os.stat(target)),
    ('plant', lambda: open(os.path.join(os.path.dirname(target), 'planted'), 'w').write('x')),
]:
    try:
        print(label, 'OK', action())
    except OSError as e:
        print(label, type(e).__name__)
"#;

const WRITE_SECRET: &str =
    "import os\nopen('secret.txt', 'w').write('run-a-secret')\nprint(os.path.abspath('secret.txt'))";

fn peek(target: &str) -> String {
    PEEK.replace("TARGET", &format!("{target:?}"))
}

fn assert_sees_nothing(sandbox: &Sandbox, result: &code_remote_sandbox::ExecutionResult) {
    assert!(result.success, "{}: {result:?}", layer(sandbox));
    assert!(!result.stdout.contains("run-a-secret"), "{result:?}");
    assert!(
        !result.stdout.contains(" OK"),
        "{}: {result:?}",
        layer(sandbox)
    );
}

#[tokio::test]
async fn a_later_run_cannot_read_what_an_earlier_one_wrote() {
    for sandbox in confined().await {
        let first = run(&sandbox, WRITE_SECRET, 5.0).await;
        assert!(first.success, "{first:?}");
        let target = first.stdout.trim().to_owned();
        assert!(target.ends_with("/secret.txt"), "{first:?}");
        let second = run(&sandbox, &peek(&target), 5.0).await;
        assert_sees_nothing(&sandbox, &second);
        assert!(
            !std::path::Path::new(&target).exists(),
            "the first run's directory was not wiped"
        );
    }
}

/// With the supervisor only: under bubblewrap (Landlock's usual company) the run
/// directories live in the zygote's private /tmp, which this test cannot list from outside.
#[tokio::test]
async fn concurrent_runs_cannot_reach_each_others_files() {
    {
        let sandbox = sandbox_with(BYPASSED, FileConfinement::Supervisor).await;
        let holder = format!("{WRITE_SECRET}\nimport sys\nsys.stdout.flush()\nimport time\ntime.sleep(3)\nprint(open('secret.txt').read())\nprint(sorted(os.listdir('.')))");
        let writer = {
            let sandbox = sandbox.clone();
            tokio::spawn(async move { run(&sandbox, &holder, 10.0).await })
        };
        // The writer's path is unknown until it prints; every run's directory sits beside
        // the probe's own, so the probe names it from there once the writer has started.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let finder = "import os\nprint(os.getcwd())";
        let own = run(&sandbox, finder, 5.0).await;
        assert!(own.success, "{own:?}");
        let base = std::path::Path::new(own.stdout.trim())
            .parent()
            .expect("the run directory has a parent")
            .to_owned();
        let others: Vec<_> = std::fs::read_dir(&base)
            .expect("the host lists the run directories")
            .filter_map(Result::ok)
            .map(|entry| entry.path().join("secret.txt"))
            .filter(|path| path.exists())
            .collect();
        assert_eq!(
            others.len(),
            1,
            "the writer's file should exist now: {others:?}"
        );
        let target = others[0].display().to_string();
        let peeker = run(&sandbox, &peek(&target), 5.0).await;
        assert_sees_nothing(&sandbox, &peeker);
        let written = writer.await.expect("the writer task");
        assert!(written.success, "{written:?}");
        assert!(written.stdout.contains("run-a-secret"), "{written:?}");
        assert!(
            written.stdout.trim_end().ends_with("['secret.txt']"),
            "the peeker planted a file: {written:?}"
        );
    }
}

#[tokio::test]
async fn the_python_layer_on_top_still_works_with_the_supervisor() {
    let sandbox = sandbox_with(GUARDED, FileConfinement::Supervisor).await;
    let result = run(
        &sandbox,
        "import json, decimal, statistics\nprint(json.dumps(statistics.mean([1, 2, 3])))",
        5.0,
    )
    .await;
    assert!(result.success, "{result:?}");
    assert_eq!(result.stdout, "2\n");
}

/// ctypes access to libc for attacks that pass raw pointers and flags.
const LIBC: &str = r#"
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def err():
    return errno.errorcode.get(ctypes.get_errno(), ctypes.get_errno())
"#;

#[tokio::test]
async fn a_path_swapped_by_another_thread_never_reaches_the_host_file() {
    let sandbox = sandbox_with(BYPASSED, FileConfinement::Supervisor).await;
    // One thread flips a buffer between a file of the run and /etc/passwd while another opens
    // whatever the buffer holds: with a check-then-continue design the kernel would re-read
    // the swapped path after the check.
    let code = format!(
        r#"{LIBC}
import threading, time
open('mine', 'w').write('harmless')
buf = ctypes.create_string_buffer(64)
good, bad = b'mine', b'/etc/passwd'
stop = time.time() + 1.5
def flip():
    while time.time() < stop:
        ctypes.memmove(buf, bad + b'\0', len(bad) + 1)
        ctypes.memmove(buf, good + b'\0', len(good) + 1)
threading.Thread(target=flip).start()
opened = leaked = 0
while time.time() < stop:
    fd = libc.open(buf, os.O_RDONLY)
    if fd >= 0:
        opened += 1
        if b'root:' in os.read(fd, 4096):
            leaked += 1
        os.close(fd)
print('opened', opened > 0, 'leaked', leaked)
"#
    );
    let result = run(&sandbox, &code, 10.0).await;
    assert!(result.success, "{result:?}");
    assert_eq!(result.stdout, "opened True leaked 0\n");
}

#[tokio::test]
async fn a_run_holds_no_listener_and_cannot_install_a_filter_of_its_own() {
    let sandbox = sandbox_with(BYPASSED, FileConfinement::Supervisor).await;
    let code = format!(
        r#"{LIBC}
open_fds = []
for fd in range(64):
    try:
        os.fstat(fd)
        open_fds.append(fd)
    except OSError:
        pass
print(open_fds)
SECCOMP_SET_MODE_FILTER, NEW_LISTENER = 1, 8
print(libc.syscall(ctypes.c_long(317), 1, NEW_LISTENER, 0), err())
print(libc.prctl(22, 2, 0, 0, 0), err())
"#
    );
    let result = run(&sandbox, &code, 5.0).await;
    assert!(result.success, "{result:?}");
    assert_eq!(
        result.stdout, "[0, 1, 2, 3]\n-1 EPERM\n-1 EPERM\n",
        "{result:?}"
    );
}

#[tokio::test]
async fn hostile_pointers_and_descriptors_get_errors_not_a_crash() {
    let sandbox = sandbox_with(BYPASSED, FileConfinement::Supervisor).await;
    let code = format!(
        r#"{LIBC}
print('null', libc.open(None, 0), err())
print('unmapped', libc.open(ctypes.c_void_p(8), 0), err())
print('long', libc.open(b'a' * 5000, 0), err())
print('long-component', libc.open(b'a' * 300, 0), err())
print('bad-dirfd', libc.openat(999, b'x', 0), err())
print('pipe-as-dirfd', libc.openat(1, b'x', 0), err())
print('empty', libc.open(b'', 0), err())
st = ctypes.create_string_buffer(256)
print('stat-into-null', libc.stat(b'.', None), err())
print('fstat-bad-fd', libc.fstat(999, st), err())
"#
    );
    let result = run(&sandbox, &code, 5.0).await;
    assert!(result.success, "{result:?}");
    assert_eq!(
        result.stdout,
        "null -1 EFAULT\nunmapped -1 EFAULT\nlong -1 ENAMETOOLONG\nlong-component -1 ENAMETOOLONG\n\
         bad-dirfd -1 EBADF\npipe-as-dirfd -1 ENOTDIR\nempty -1 ENOENT\n\
         stat-into-null -1 EFAULT\nfstat-bad-fd -1 EBADF\n",
        "{result:?}"
    );
}

#[tokio::test]
async fn a_run_creates_a_bounded_number_of_files() {
    let sandbox = sandbox_with(BYPASSED, FileConfinement::Supervisor).await;
    let code = "import os\ncreated = 0\ntry:\n    while created < 10000:\n        open(f'f{created}', 'w').close()\n        created += 1\nexcept OSError as e:\n    print(created, type(e).__name__, e.errno == 122)\nopen('f0', 'w').write('rewriting an existing file still works')\nos.unlink('f1')\nprint(len(os.listdir('.')))";
    let result = run(&sandbox, code, 10.0).await;
    assert!(result.success, "{result:?}");
    assert_eq!(result.stdout, "256 OSError True\n255\n", "{result:?}");
}

#[tokio::test]
async fn what_a_run_leaves_behind_is_removed_however_it_is_locked() {
    let sandbox = sandbox_with(BYPASSED, FileConfinement::Supervisor).await;
    // Deep nesting by relative steps, files in it, and directories locked with fchmod (which
    // takes a descriptor, so no supervisor sees it) before the run ends.
    let code = "import os\nprint(os.getcwd())\nlocked = []\nfor i in range(120):\n    os.mkdir('d')\n    os.chdir('d')\n    open('f', 'w').write('x')\n    if i in (0, 60, 119):\n        locked.append(os.open('.', os.O_RDONLY))\nfor fd in locked:\n    os.fchmod(fd, 0)\nprint('nested')";
    let result = run(&sandbox, code, 10.0).await;
    assert!(result.success, "{result:?}");
    let mut lines = result.stdout.lines();
    let workdir = lines.next().unwrap_or_default().to_owned();
    assert_eq!(lines.next(), Some("nested"), "{result:?}");
    assert!(workdir.starts_with('/'), "{result:?}");
    // The directory is removed when the run is reaped, which the result does not wait for.
    for _ in 0..50 {
        if !std::path::Path::new(&workdir).exists() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{workdir} was left behind");
}

#[tokio::test]
async fn paths_are_judged_where_the_walk_really_went() {
    // A directory the run may read holds a symlink to /etc: a textual judgement of
    // `<dir>/etc-link/<name>` would place it inside the readable directory and report ENOENT
    // for missing names only, telling the run which /etc files exist.
    let readable = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink("/etc", readable.path().join("etc-link")).expect("symlink");
    std::fs::write(readable.path().join("mine.txt"), "readable").expect("file");
    let mut config = code_remote_sandbox::SandboxConfig {
        python_layer: false,
        files: FileConfinement::Supervisor,
        ..code_remote_sandbox::SandboxConfig::default()
    };
    config.read_paths.push(readable.path().to_owned());
    let sandbox = Sandbox::start(config).await.expect("the sandbox starts");
    let base = readable.path().display().to_string();
    let code = format!(
        "{PROBE}
for name in ['passwd', 'no-such-file', 'passwd/x', 'no-such-dir/x']:
    attempt(name, lambda: os.stat('{base}/etc-link/' + name))
attempt('readable', lambda: open('{base}/mine.txt').read())
attempt('missing-beside-it', lambda: os.stat('{base}/no-such-file'))
"
    );
    let result = run(&sandbox, &code, 5.0).await;
    assert!(result.success, "{result:?}");
    assert_eq!(
        result.stdout,
        "passwd PermissionError\nno-such-file PermissionError\npasswd/x PermissionError\n\
         no-such-dir/x PermissionError\nreadable OK\nmissing-beside-it FileNotFoundError\n",
        "{result:?}"
    );
}

#[tokio::test]
async fn working_directories_are_entered_only_where_the_run_may_look() {
    let sandbox = sandbox_with(BYPASSED, FileConfinement::Supervisor).await;
    let code = format!(
        "{PROBE}{LIBC}
os.mkdir('sub')
attempt('chdir-sub', lambda: os.chdir('sub'))
print(os.path.basename(os.getcwd()))
attempt('chdir-back', lambda: os.chdir('..'))
attempt('chdir-etc', lambda: os.chdir('/etc'))
attempt('chdir-missing', lambda: os.chdir('/etc/no-such'))
attempt('chdir-other-run', lambda: os.chdir(f'/proc/{{os.getppid()}}/cwd'))
print('raw-chdir', libc.syscall(80, b'/etc'), err())
print('whiteout', libc.syscall(316, -100, b'sub', -100, b'w', 4), err())
"
    );
    let result = run(&sandbox, &code, 5.0).await;
    assert!(result.success, "{result:?}");
    assert_eq!(
        result.stdout,
        "chdir-sub OK\nsub\nchdir-back OK\nchdir-etc PermissionError\n\
         chdir-missing PermissionError\nchdir-other-run PermissionError\n\
         raw-chdir -1 EPERM\nwhiteout -1 EPERM\n",
        "{result:?}"
    );
}

#[tokio::test]
async fn created_files_take_the_runs_umask_and_never_set_id_bits() {
    let sandbox = sandbox_with(BYPASSED, FileConfinement::Supervisor).await;
    let code = "import os, stat\nos.umask(0o077)\nopen('a', 'w').close()\nfd = os.open('b', os.O_CREAT | os.O_WRONLY, 0o6777)\nos.close(fd)\nos.mkdir('d', 0o777)\nos.umask(0)\nfd = os.open('c', os.O_CREAT | os.O_WRONLY, 0o666)\nos.close(fd)\nprint([oct(stat.S_IMODE(os.stat(n).st_mode)) for n in 'abcd'])\nfd = os.open('/usr/lib', os.O_PATH)\nprint(len(os.listdir(fd)) > 0)";
    let result = run(&sandbox, code, 5.0).await;
    assert!(result.success, "{result:?}");
    assert_eq!(
        result.stdout, "['0o600', '0o700', '0o666', '0o700']\nTrue\n",
        "{result:?}"
    );
}

#[tokio::test]
async fn climbing_out_and_back_reveals_nothing() {
    let sandbox = sandbox_with(BYPASSED, FileConfinement::Supervisor).await;
    // Ending in a readable place after passing through others would tell which of those
    // exist: every such walk is refused the same way.
    let code = format!(
        "{PROBE}
for name, path in [('existing', '/etc/../usr/lib'), ('missing', '/no-such-dir/../usr/lib'),
                   ('process', f'/proc/{{os.getppid()}}/../../usr/lib'),
                   ('other-run', os.path.dirname(os.getcwd()) + '/run-none/../../../usr/lib')]:
    attempt(name, lambda: os.stat(path))
attempt('within', lambda: os.stat('/usr/lib/../lib'))
"
    );
    let result = run(&sandbox, &code, 5.0).await;
    assert!(result.success, "{result:?}");
    assert_eq!(
        result.stdout,
        "existing PermissionError\nmissing PermissionError\nprocess PermissionError\n\
         other-run PermissionError\nwithin OK\n",
        "{result:?}"
    );
}

#[tokio::test]
async fn a_call_in_flight_when_the_run_dies_does_not_outlive_the_directory() {
    let sandbox = sandbox_with(BYPASSED, FileConfinement::Supervisor).await;
    // Renames of long, slow paths are still in flight in the supervisor when the run exits;
    // the directory must be removed only after they end.
    let code = "import os, threading, time\nprint(os.getcwd(), flush=True)\nfor i in range(50):\n    open(f'f{i:02}', 'wb').write(b'x' * 4096)\nslow = './' * 2000\ndef rename(i):\n    try:\n        os.rename(slow + f'f{i:02}', slow + f'g{i:02}')\n    except OSError:\n        pass\nfor i in range(0, 50, 5):\n    threading.Thread(target=rename, args=(i,)).start()\ntime.sleep(0.001)\nos._exit(0)";
    let mut workdirs = Vec::new();
    for _ in 0..8 {
        let result = run(&sandbox, code, 5.0).await;
        workdirs.push(result.stdout.trim().to_owned());
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for workdir in workdirs {
        assert!(workdir.starts_with('/'), "no working directory printed");
        assert!(
            !std::path::Path::new(&workdir).exists(),
            "{workdir} was left behind"
        );
    }
}
