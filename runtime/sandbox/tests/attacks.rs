//! The attack suite: each case asserts its outcome, that the planted secret never appears,
//! and that the host is unharmed (the next execution works). `guarded_*` cases run with the
//! Python-level layer; `bypassed_*` cases turn it off and prove the OS layers hold alone.

mod common;

use std::io::ErrorKind;
use std::net::TcpListener;
use std::time::Duration;

use code_remote_sandbox::Identity;
use common::{
    assert_error, assert_refused, assert_unharmed, has_layer, run, sandbox, timed, BYPASSED,
    FILE_CONFINEMENT, GUARDED,
};

/// One attack: start a sandbox, run the code, check it, check the host.
macro_rules! attack {
    ($name:ident, $layer:expr, $timeout:expr, $code:expr, |$sb:ident, $r:ident| $check:block) => {
        #[tokio::test]
        async fn $name() {
            let $sb = sandbox($layer).await;
            let $r = run(&$sb, &$code, $timeout).await;
            $check
            assert_unharmed(&$sb).await;
        }
    };
}

/// The functional bound of the sandbox: timed out within timeout + 0.5 s.
async fn assert_times_out(layer: bool, code: &str, timeout_secs: f64) {
    let sb = sandbox(layer).await;
    let (result, waited) = timed(&sb, code, timeout_secs).await;
    assert!(result.timed_out, "{result:?}");
    assert_error(&result, "TimeoutError");
    assert!(
        waited < Duration::from_secs_f64(timeout_secs + 0.5),
        "waited {waited:?} for a {timeout_secs} s timeout"
    );
    assert_unharmed(&sb).await;
}

// ---- Python-level escapes, refused by the validator before anything runs ----

attack!(
    guarded_typing_sys,
    GUARDED,
    5.0,
    "import typing\nos = typing.sys.modules['os']",
    |sb, r| {
        assert_refused(&r, "Access to 'sys' is not allowed.");
    }
);
attack!(
    guarded_dataclasses_sys,
    GUARDED,
    5.0,
    "import dataclasses\ndataclasses.sys.modules",
    |sb, r| {
        assert_refused(&r, "Access to 'sys' is not allowed.");
    }
);
attack!(
    guarded_json_decoder_re,
    GUARDED,
    5.0,
    "import json\nm = json.decoder.re\nm.enum.sys.modules['os'].system('id')",
    |sb, r| {
        assert_refused(&r, "Access to 'sys' is not allowed.");
        assert_refused(&r, "Access to 'modules' is not allowed.");
    }
);
attack!(
    guarded_generator_frame_walk,
    GUARDED,
    5.0,
    "def g():\n    yield 1\nx = g()\nprint(x.gi_frame.f_back.f_globals)",
    |sb, r| {
        assert_refused(&r, "Access to 'gi_frame' is not allowed.");
        assert_refused(&r, "Access to 'f_globals' is not allowed.");
    }
);
attack!(
    guarded_coroutine_frame_walk,
    GUARDED,
    5.0,
    "async def c():\n    pass\nco = c()\nco.cr_frame.f_builtins",
    |sb, r| {
        assert_refused(&r, "Access to 'cr_frame' is not allowed.");
    }
);
attack!(
    guarded_traceback_frame_walk,
    GUARDED,
    5.0,
    "try:\n    1/0\nexcept Exception as e:\n    e.__traceback__.tb_frame.f_back",
    |sb, r| {
        assert_refused(&r, "Access to '__traceback__' is not allowed.");
        assert_refused(&r, "Access to 'tb_frame' is not allowed.");
    }
);
attack!(
    guarded_type_dict_subclasses,
    GUARDED,
    5.0,
    "type.__dict__['__subclasses__'](object)",
    |sb, r| {
        assert_refused(&r, "Access to '__dict__' is not allowed.");
    }
);
attack!(
    guarded_format_string_attribute,
    GUARDED,
    5.0,
    "print('{0.__class__.__mro__}'.format(1))",
    |sb, r| {
        assert_refused(&r, "Access to '__class__' is not allowed.");
    }
);
attack!(
    guarded_builtins_by_name,
    GUARDED,
    5.0,
    "__builtins__['eval']('1')",
    |sb, r| {
        assert_refused(&r, "Access to '__builtins__' is not allowed.");
    }
);
attack!(
    guarded_dunder_import,
    GUARDED,
    5.0,
    "__import__('os').system('id')",
    |sb, r| {
        assert_refused(&r, "Use of '__import__()' is not allowed.");
    }
);
attack!(
    guarded_getattr_string,
    GUARDED,
    5.0,
    "getattr(object, '__subclasses__')()",
    |sb, r| {
        assert_refused(&r, "Use of 'getattr()' is not allowed.");
    }
);
attack!(
    guarded_match_class_pattern,
    GUARDED,
    5.0,
    "match 1:\n    case int(__class__=c):\n        print(c)",
    |sb, r| {
        assert_refused(&r, "Access to '__class__' is not allowed.");
    }
);
attack!(
    guarded_dataclasses_inspect,
    GUARDED,
    5.0,
    "import dataclasses\ndataclasses.inspect.currentframe()",
    |sb, r| {
        assert_refused(&r, "Access to 'inspect' is not allowed.");
    }
);
attack!(
    guarded_ctypes_import,
    GUARDED,
    5.0,
    "import ctypes",
    |sb, r| {
        assert_error(&r, "SecurityError");
    }
);
attack!(
    guarded_open_call,
    GUARDED,
    5.0,
    "print(open('/etc/passwd').read())",
    |sb, r| {
        assert_refused(&r, "Use of 'open()' is not allowed.");
    }
);
attack!(
    guarded_aliased_builtin_is_gone_at_runtime,
    GUARDED,
    5.0,
    "f = [getattr][0]\nprint(f(1, 'real'))",
    |sb, r| {
        assert_error(&r, "NameError");
    }
);
attack!(
    guarded_system_exit,
    GUARDED,
    5.0,
    "print('bye')\nraise SystemExit(3)",
    |sb, r| {
        assert_error(&r, "SystemExit");
        assert_eq!(r.error.as_deref(), Some("3"));
        assert_eq!(r.stdout, "bye\n");
    }
);
attack!(
    guarded_keyboard_interrupt,
    GUARDED,
    5.0,
    "raise KeyboardInterrupt",
    |sb, r| {
        assert_error(&r, "KeyboardInterrupt");
    }
);
attack!(
    guarded_memory_bomb,
    GUARDED,
    10.0,
    "x = [0] * (10**9)",
    |sb, r| {
        assert_error(&r, "MemoryError");
        assert_eq!(
            r.error.as_deref(),
            Some("the program ran out of memory: runs may use 256 MiB"),
            "a bare MemoryError names the limit"
        );
    }
);
attack!(
    guarded_huge_string_building,
    GUARDED,
    10.0,
    "s = 'a'\nwhile True:\n    s = s + s",
    |sb, r| {
        assert_error(&r, "MemoryError");
    }
);
attack!(
    guarded_output_flood,
    GUARDED,
    20.0,
    "for i in range(20000):\n    print('x' * 1000)",
    |sb, r| {
        assert!(r.success, "the child is not killed for printing");
        assert!(r.truncated);
        assert_eq!(r.stdout.len(), 64 << 10);
        let size = r
            .output_size
            .expect("a cut result says how much was written");
        assert_eq!(size.stdout.bytes, 20_000 * 1001);
        assert_eq!(size.stdout.lines, 20_000);
        assert_eq!(size.stderr.bytes, 0);
    }
);
attack!(
    guarded_parser_nesting_bomb,
    GUARDED,
    10.0,
    format!("x = {}", "[".repeat(100_000)),
    |sb, r| {
        assert_error(&r, "SecurityError");
    }
);
attack!(
    guarded_deep_expression,
    GUARDED,
    10.0,
    format!("x = 1{}", "+1".repeat(50_000)),
    |sb, r| {
        assert!(
            r.success || r.error_type.as_deref() == Some("SecurityError"),
            "{r:?}"
        );
    }
);

#[tokio::test]
async fn guarded_infinite_loop_times_out() {
    assert_times_out(GUARDED, "while True:\n    pass", 1.0).await;
}

#[tokio::test]
async fn guarded_cpu_bound_c_work_times_out() {
    assert_times_out(GUARDED, "x = 10**10**8", 1.0).await;
}

#[tokio::test]
async fn guarded_sleep_past_the_timeout() {
    assert_times_out(GUARDED, "import time\nprint('start')\ntime.sleep(100)", 1.0).await;
}

#[tokio::test]
async fn partial_output_survives_a_timeout() {
    let sb = sandbox(GUARDED).await;
    let result = run(&sb, "print('started')\nwhile True:\n    pass", 1.0).await;
    assert!(result.timed_out);
    assert_eq!(result.stdout, "started\n");
    assert_unharmed(&sb).await;
}

// ---- Escapes that succeed at the Python level: the OS layers must hold alone ----

attack!(bypassed_typing_sys_reaches_os_but_identity_holds, BYPASSED, 5.0,
    "import typing\nos = typing.sys.modules['os']\nprint(os.getuid(), os.geteuid(), os.getgid(), os.getgroups())\nprint(os.system('id'))", |sb, r| {
    assert!(r.success, "{r:?}");
    let first = r.stdout.lines().next().unwrap_or_default();
    // SAFETY: getuid and getgid cannot fail.
    let (host_uid, host_gid) = unsafe { (libc::getuid(), libc::getgid()) };
    match sb.layers().identity {
        Identity::Dropped(_) => {
            let (uid, gid) = (sb.config().uid, sb.config().gid);
            assert_eq!(first, format!("{uid} {uid} {gid} []"), "{r:?}");
        }
        Identity::Inherited(_) => {
            assert_ne!(host_uid, 0, "an unprivileged identity is inherited only from a non-root host");
            assert!(first.starts_with(&format!("{host_uid} {host_uid} {host_gid} ")), "{r:?}");
        }
    }
    assert!(!r.stdout.contains("uid="), "`id` must not run");
});
attack!(bypassed_dataclasses_sys_exec, BYPASSED, 5.0,
    "import dataclasses\nos = dataclasses.sys.modules['os']\nos.execv('/bin/sh', ['sh', '-c', 'echo pwned'])", |sb, r| {
    assert_error(&r, "PermissionError");
    assert!(!r.stdout.contains("pwned"));
});
attack!(bypassed_json_decoder_re_subprocess, BYPASSED, 5.0,
    "import json\nsys = json.decoder.re.enum.sys\nsubprocess = sys.modules['builtins'].__import__('subprocess')\nprint(subprocess.run(['echo', 'pwned'], capture_output=True))", |sb, r| {
    assert_error(&r, "PermissionError");
    assert!(!r.stdout.contains("pwned"));
});
attack!(bypassed_generator_frame_walk, BYPASSED, 5.0,
    "def g():\n    yield x.gi_frame.f_back\nx = g()\nframe = next(x)\nos = frame.f_builtins['__import__']('os')\nprint(os.listdir('/root'))", |sb, r| {
    assert_error(&r, "PermissionError");
});
attack!(bypassed_coroutine_frame_walk, BYPASSED, 5.0,
    "async def c():\n    return co.cr_frame.f_back\nco = c()\ntry:\n    co.send(None)\nexcept StopIteration as stop:\n    frame = stop.value\nprint(frame.f_builtins['open']('/etc/shadow').read())", |sb, r| {
    assert_error(&r, "PermissionError");
    assert!(!r.stdout.contains("root:"));
});
attack!(bypassed_traceback_frame_signals_parent, BYPASSED, 5.0,
    "try:\n    1/0\nexcept Exception as e:\n    g = e.__traceback__.tb_frame.f_globals\nimport os\nos.kill(os.getppid(), 9)", |sb, r| {
    assert_error(&r, "PermissionError");
});
attack!(bypassed_subclasses_reach_os_system, BYPASSED, 5.0,
    "subs = type.__dict__['__subclasses__'](object)\nwrap = [c for c in subs if c.__name__ == '_wrap_close'][0]\nsystem = wrap.__init__.__globals__['system']\nprint('status', system('echo pwned; id'))", |sb, r| {
    assert!(r.stdout.starts_with("status "), "{r:?}");
    assert!(!r.stdout.contains("pwned") && !r.stdout.contains("uid="));
});
attack!(
    bypassed_sys_exit,
    BYPASSED,
    5.0,
    "import sys\nprint('bye')\nsys.exit(3)",
    |sb, r| {
        assert_error(&r, "SystemExit");
        assert_eq!(r.stdout, "bye\n");
    }
);
attack!(
    bypassed_real_sigint,
    BYPASSED,
    5.0,
    "import signal\nsignal.raise_signal(signal.SIGINT)",
    |sb, r| {
        assert_error(&r, "KeyboardInterrupt");
    }
);
attack!(
    bypassed_os_exit,
    BYPASSED,
    5.0,
    "import os\nprint('x', flush=True)\nos._exit(7)",
    |sb, r| {
        assert_error(&r, "SystemExit");
        assert_eq!(r.error.as_deref(), Some("Process exited with code 7"));
        assert_eq!(r.stdout, "x\n");
    }
);
attack!(
    bypassed_segfault,
    BYPASSED,
    5.0,
    format!("{}ctypes.string_at(0)", common::CTYPES),
    |sb, r| {
        assert_error(&r, "ProcessKilled");
        assert!(
            r.error.as_deref().unwrap_or_default().contains("SIGSEGV"),
            "{r:?}"
        );
    }
);
attack!(
    bypassed_abort,
    BYPASSED,
    5.0,
    "import os\nos.abort()",
    |sb, r| {
        assert_error(&r, "ProcessKilled");
        assert!(
            r.error.as_deref().unwrap_or_default().contains("SIGABRT"),
            "{r:?}"
        );
    }
);
attack!(
    bypassed_kill_self_is_allowed,
    BYPASSED,
    5.0,
    "import os\nos.kill(os.getpid(), 9)",
    |sb, r| {
        assert_error(&r, "ProcessKilled");
    }
);
attack!(
    bypassed_signal_the_parent,
    BYPASSED,
    5.0,
    "import os\nos.kill(os.getppid(), 9)",
    |sb, r| {
        assert_error(&r, "PermissionError");
    }
);
attack!(bypassed_signal_everyone, BYPASSED, 5.0,
    "import os\nfor pid in (1, -1, 0):\n    try:\n        os.kill(pid, 9)\n    except PermissionError:\n        print(pid, 'denied')", |sb, r| {
    assert!(r.success);
    assert_eq!(r.stdout, "1 denied\n-1 denied\n0 denied\n");
});
attack!(
    bypassed_signal_the_parent_group,
    BYPASSED,
    5.0,
    "import os\nos.killpg(os.getpgid(os.getppid()), 9)",
    |sb, r| {
        assert_error(&r, "PermissionError");
    }
);
attack!(
    bypassed_join_the_parent_group,
    BYPASSED,
    5.0,
    "import os\nos.setpgid(0, os.getpgid(os.getppid()))",
    |sb, r| {
        assert_error(&r, "PermissionError");
    }
);
attack!(
    bypassed_fork,
    BYPASSED,
    5.0,
    "import os\nos.fork()",
    |sb, r| {
        assert_error(&r, "PermissionError");
    }
);
attack!(
    bypassed_fork_bomb,
    BYPASSED,
    5.0,
    "import os\nwhile True:\n    os.fork()",
    |sb, r| {
        assert_error(&r, "PermissionError");
    }
);
attack!(bypassed_fork_from_a_thread, BYPASSED, 5.0,
    "import threading, os\nr = []\ndef f():\n    try:\n        os.fork()\n    except OSError as e:\n        r.append(type(e).__name__)\nt = threading.Thread(target=f)\nt.start()\nt.join()\nprint(r)", |sb, r| {
    assert!(r.success);
    assert_eq!(r.stdout, "['PermissionError']\n");
});
attack!(
    bypassed_subprocess,
    BYPASSED,
    5.0,
    "import subprocess\nsubprocess.run(['id'])",
    |sb, r| {
        assert_error(&r, "PermissionError");
    }
);
attack!(
    bypassed_execv,
    BYPASSED,
    5.0,
    "import os\nos.execv('/bin/sh', ['sh'])",
    |sb, r| {
        assert_error(&r, "PermissionError");
    }
);
attack!(
    bypassed_posix_spawn,
    BYPASSED,
    5.0,
    "import os\nos.posix_spawn('/bin/true', ['true'], {})",
    |sb, r| {
        assert!(!r.success);
        assert!(
            matches!(r.error_type.as_deref(), Some("PermissionError" | "OSError")),
            "{r:?}"
        );
    }
);
attack!(bypassed_thread_bomb, BYPASSED, 10.0,
    "import threading, time\nts = []\ntry:\n    while True:\n        t = threading.Thread(target=time.sleep, args=(30,), daemon=True)\n        t.start()\n        ts.append(t)\nexcept RuntimeError as e:\n    print('stopped', len(ts) < 1000, e)", |sb, r| {
    assert!(r.success, "{r:?}");
    assert!(r.stdout.starts_with("stopped True"), "{r:?}");
});
attack!(
    bypassed_socket,
    BYPASSED,
    5.0,
    "import socket\nsocket.socket()",
    |sb, r| {
        assert_error(&r, "PermissionError");
    }
);
attack!(
    bypassed_unix_socket,
    BYPASSED,
    5.0,
    "import socket\nsocket.socket(socket.AF_UNIX)",
    |sb, r| {
        assert_error(&r, "PermissionError");
    }
);
attack!(
    bypassed_socketpair,
    BYPASSED,
    5.0,
    "import socket\nsocket.socketpair()",
    |sb, r| {
        assert_error(&r, "PermissionError");
    }
);

#[tokio::test]
async fn bypassed_loopback_listener_sees_nothing() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("address").port();
    let sb = sandbox(BYPASSED).await;
    let code = format!(
        "import socket\nfor family in (socket.AF_INET, socket.AF_INET6):\n    try:\n        s = socket.socket(family)\n        s.connect(('127.0.0.1' if family == socket.AF_INET else '::1', {port}))\n        s.sendall(b'leak')\n        print('CONNECTED')\n    except OSError as e:\n        print('refused', type(e).__name__)"
    );
    let result = run(&sb, &code, 5.0).await;
    assert!(!result.stdout.contains("CONNECTED"), "{result:?}");
    assert!(
        result.stdout.contains("refused PermissionError"),
        "{result:?}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    match listener.accept() {
        Err(error) if error.kind() == ErrorKind::WouldBlock => {}
        other => panic!("the listener saw a connection: {other:?}"),
    }
    assert_unharmed(&sb).await;
}

#[tokio::test]
async fn bypassed_write_outside_the_temp_dir() {
    let sb = sandbox(BYPASSED).await;
    let targets = [
        "/tmp/cr-escape",
        "/etc/cr-escape",
        "/root/cr-escape",
        "/work/cr-escape",
        "/var/tmp/cr-escape",
        "../cr-escape",
    ];
    let code = format!(
        "for p in {targets:?}:\n    try:\n        open(p, 'w').write('x')\n        print('WROTE', p)\n    except OSError as e:\n        print('denied', p, type(e).__name__)"
    );
    let result = run(&sb, &code, 5.0).await;
    assert!(result.success, "{result:?}");
    if has_layer(&sb, "files") {
        assert!(!result.stdout.contains("WROTE"), "{result:?}");
    }
    for host_path in [
        "/etc/cr-escape",
        "/root/cr-escape",
        "/work/cr-escape",
        "/var/tmp/cr-escape",
    ] {
        assert!(
            !std::path::Path::new(host_path).exists(),
            "{FILE_CONFINEMENT}: {host_path} was written on the host"
        );
    }
    assert_unharmed(&sb).await;
}

#[tokio::test]
async fn bypassed_working_dir_is_private_and_removed() {
    let sb = sandbox(BYPASSED).await;
    let first = run(&sb, "import os\nopen('mine.txt', 'w').write('data')\nprint(os.getcwd())\nprint(os.listdir('.'))", 5.0).await;
    assert!(first.success, "{first:?}");
    let mut lines = first.stdout.lines();
    let dir = lines.next().unwrap_or_default().to_owned();
    assert_eq!(lines.next(), Some("['mine.txt']"));
    let second = run(
        &sb,
        &format!(
            "import os\nprint(os.path.exists({dir:?}), os.getcwd() != {dir:?}, os.listdir('.'))"
        ),
        5.0,
    )
    .await;
    assert!(second.success, "{second:?}");
    assert_eq!(second.stdout, "False True []\n");
    assert_unharmed(&sb).await;
}

attack!(
    bypassed_environment_is_empty,
    BYPASSED,
    5.0,
    "import os\nprint(dict(os.environ))",
    |sb, r| {
        assert!(r.success);
        assert_eq!(r.stdout, "{}\n");
    }
);
attack!(bypassed_proc_self_environ, BYPASSED, 5.0,
    "try:\n    print(open('/proc/self/environ', 'rb').read())\nexcept OSError as e:\n    print('denied', type(e).__name__)", |sb, r| {
    assert!(r.success, "{r:?}");
});
attack!(bypassed_every_proc_environ, BYPASSED, 5.0,
    "import os\nfound = []\nfor p in ['1', 'self'] + [str(i) for i in range(1, 200)]:\n    try:\n        found.append(open(f'/proc/{p}/environ', 'rb').read())\n    except OSError:\n        pass\nprint(found)", |sb, r| {
    assert!(r.success, "{r:?}");
});
attack!(bypassed_secret_not_in_interpreter_memory, BYPASSED, 5.0,
    "import gc, sys\nhits = [o for o in gc.get_objects() if isinstance(o, str) and 'AKIA' in o]\nhits += [a for a in sys.argv if 'AKIA' in a]\nprint(len(hits))", |sb, r| {
    assert!(r.success);
    assert_eq!(r.stdout, "0\n");
});

/// Tries the zygote and the host (the zygote's parent) through /proc: their environment, file
/// descriptors, and memory (searched for the planted secret). Where the child shares their uid
/// (an unprivileged host, as in Lambda) only their being non-dumpable stops this.
const PROC_OF_ANCESTORS: &str = r#"
import os
def parent(pid):
    try:
        with open(f'/proc/{pid}/stat', 'rb') as f:
            return int(f.read().rsplit(b')', 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0
zygote = os.getppid()
for label, pid in (('zygote', zygote), ('host', parent(zygote))):
    if pid <= 1:
        continue
    for name, mode in (('environ', 'rb'), ('mem', 'rb'), ('mem', 'r+b')):
        try:
            open(f'/proc/{pid}/{name}', mode).close()
            print('OPENED', label, name, mode)
        except OSError:
            pass
    try:
        os.listdir(f'/proc/{pid}/fd')
        print('LISTED', label, 'fd')
    except OSError:
        pass
    try:
        with open(f'/proc/{pid}/maps') as maps, open(f'/proc/{pid}/mem', 'rb', buffering=0) as mem:
            for line in maps:
                span, perms = line.split()[:2]
                if not perms.startswith('rw'):
                    continue
                start, end = (int(x, 16) for x in span.split('-'))
                for offset in range(start, end, 1 << 20):
                    try:
                        mem.seek(offset)
                        if b'AKIAIOSFODNN7' in mem.read(min(1 << 20, end - offset) + 16):
                            print('SECRET IN', label, 'memory')
                    except (OSError, OverflowError, ValueError):
                        pass
    except OSError:
        pass
print('done')
"#;

attack!(
    bypassed_proc_of_the_zygote_and_host,
    BYPASSED,
    10.0,
    PROC_OF_ANCESTORS,
    |sb, r| {
        assert!(r.success, "{r:?}");
        assert_eq!(r.stdout, "done\n", "{r:?}");
    }
);

#[tokio::test]
async fn bypassed_read_host_files() {
    let sb = sandbox(BYPASSED).await;
    let code = "for p in ['/etc/shadow', '/etc/passwd', '/work/main/Cargo.toml', '/root/.bashrc', '/proc/1/cmdline']:\n    try:\n        open(p, 'rb').read()\n        print('READ', p)\n    except OSError as e:\n        print('denied', p)";
    let result = run(&sb, code, 5.0).await;
    assert!(result.success, "{result:?}");
    assert!(
        !result.stdout.contains("READ /etc/shadow") && !result.stdout.contains("READ /root/"),
        "{result:?}"
    );
    if has_layer(&sb, "files") {
        assert!(!result.stdout.contains("READ"), "{result:?}");
    }
    assert_unharmed(&sb).await;
}

#[tokio::test]
async fn bypassed_list_the_root_directory() {
    let sb = sandbox(BYPASSED).await;
    let result = run(&sb, "import os\nprint(os.listdir('/'))", 5.0).await;
    if has_layer(&sb, "files") {
        assert_error(&result, "PermissionError");
    }
    assert_unharmed(&sb).await;
}

#[tokio::test]
async fn bypassed_symlink_to_a_host_file() {
    let sb = sandbox(BYPASSED).await;
    let result = run(
        &sb,
        "import os\nos.symlink('/etc/passwd', 'p')\nprint(open('p').read())",
        5.0,
    )
    .await;
    assert!(
        !result.stdout.contains("root:"),
        "{FILE_CONFINEMENT}: read /etc/passwd through a symlink: {result:?}"
    );
    if has_layer(&sb, "files") {
        assert_error(&result, "PermissionError");
    }
    assert_unharmed(&sb).await;
}

attack!(
    bypassed_hardlink_to_a_host_file,
    BYPASSED,
    5.0,
    "import os\nos.link('/etc/passwd', 'h')\nprint(open('h').read())",
    |sb, r| {
        assert!(!r.success);
        assert!(!r.stdout.contains("root:"));
    }
);
attack!(
    bypassed_chdir_and_write,
    BYPASSED,
    5.0,
    "import os\nos.chdir('/tmp')\nopen('x', 'w').write('x')",
    |sb, r| {
        assert!(!r.success, "{FILE_CONFINEMENT}: wrote to /tmp: {r:?}");
    }
);
attack!(bypassed_raw_devices, BYPASSED, 5.0,
    "for p in ['/dev/mem', '/dev/kmsg', '/dev/sda', '/dev/vda']:\n    try:\n        open(p, 'rb').read(1)\n        print('OPENED', p)\n    except OSError:\n        pass", |sb, r| {
    assert!(r.success);
    assert!(!r.stdout.contains("OPENED"));
});
attack!(
    bypassed_setuid_root,
    BYPASSED,
    5.0,
    "import os\nos.setuid(0)",
    |sb, r| {
        assert_error(&r, "PermissionError");
    }
);
attack!(bypassed_raise_rlimits, BYPASSED, 5.0,
    "import resource\nresource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))", |sb, r| {
    assert_error(&r, "ValueError");
});
attack!(
    bypassed_memory_bomb,
    BYPASSED,
    10.0,
    "b = bytearray(2**30)",
    |sb, r| {
        assert_error(&r, "MemoryError");
    }
);
attack!(
    bypassed_memory_growth,
    BYPASSED,
    10.0,
    "l = []\nwhile True:\n    l.append(bytearray(10**6))",
    |sb, r| {
        assert_error(&r, "MemoryError");
    }
);
attack!(
    bypassed_huge_mmap,
    BYPASSED,
    5.0,
    "import mmap\nm = mmap.mmap(-1, 2**31)",
    |sb, r| {
        assert!(!r.success);
        assert!(
            matches!(r.error_type.as_deref(), Some("OSError" | "MemoryError")),
            "{r:?}"
        );
    }
);
attack!(
    bypassed_setrecursionlimit_abuse,
    BYPASSED,
    10.0,
    "import sys\nsys.setrecursionlimit(10**6)\ndef f(n):\n    return f(n + 1)\nf(0)",
    |sb, r| {
        // CPython 3.11 ends this as a crash, a RecursionError or a SystemError depending on
        // where the C stack runs out; any of them must end only the child.
        assert!(!r.success, "{r:?}");
    }
);
attack!(
    bypassed_file_size_limit,
    BYPASSED,
    5.0,
    "open('big', 'wb').write(b'x' * (2 << 20))",
    |sb, r| {
        assert_error(&r, "OSError");
        assert!(
            r.error
                .as_deref()
                .unwrap_or_default()
                .contains("File too large"),
            "{r:?}"
        );
    }
);
attack!(
    bypassed_open_file_limit,
    BYPASSED,
    5.0,
    "fs = [open('f%d' % i, 'w') for i in range(1000)]",
    |sb, r| {
        assert_error(&r, "OSError");
        assert!(
            r.error
                .as_deref()
                .unwrap_or_default()
                .contains("Too many open files"),
            "{r:?}"
        );
    }
);
attack!(
    bypassed_fill_the_disk,
    BYPASSED,
    3.0,
    "i = 0\nwhile True:\n    open('f%d' % i, 'wb').write(b'x' * (1 << 20))\n    i += 1",
    |sb, r| {
        assert!(!r.success);
    }
);
attack!(
    bypassed_stderr_flood,
    BYPASSED,
    20.0,
    "import sys\nfor i in range(20000):\n    sys.stderr.write('e' * 1000)",
    |sb, r| {
        assert!(r.success);
        assert!(r.truncated);
        assert_eq!(r.stderr.len(), 64 << 10);
    }
);
attack!(
    bypassed_single_huge_write,
    BYPASSED,
    20.0,
    "import os\nos.write(1, b'x' * (10 << 20))",
    |sb, r| {
        assert!(r.success);
        assert!(r.truncated);
        assert_eq!(r.stdout.len(), 64 << 10);
    }
);
attack!(
    bypassed_forged_status_channel,
    BYPASSED,
    5.0,
    "import os\nos.write(3, b'garbage\\n{\"status\": \"running\"}\\n' * 100)\nprint('done')",
    |sb, r| {
        assert!(r.success, "{r:?}");
        assert_eq!(r.stdout, "done\n");
    }
);

#[tokio::test]
async fn bypassed_closed_status_channel_still_times_out() {
    assert_times_out(
        BYPASSED,
        "import os\nos.close(3)\nwhile True:\n    pass",
        1.0,
    )
    .await;
}

#[tokio::test]
async fn bypassed_cpu_work_with_sigxcpu_ignored_times_out() {
    assert_times_out(
        BYPASSED,
        "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nx = 10**10**8",
        1.0,
    )
    .await;
}

#[tokio::test]
async fn bypassed_loop_ignoring_signals_times_out() {
    assert_times_out(
        BYPASSED,
        "import signal\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGHUP):\n    signal.signal(s, signal.SIG_IGN)\nwhile True:\n    pass",
        1.0,
    )
    .await;
}

/// The deepest descendant of `pid`: the Python zygote under bubblewrap's processes.
fn deepest_descendant(pid: u32) -> u32 {
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    match children
        .split_whitespace()
        .next()
        .and_then(|child| child.parse().ok())
    {
        Some(child) => deepest_descendant(child),
        None => pid,
    }
}

#[tokio::test]
async fn bypassed_killing_the_zygote_is_survived() {
    let sb = sandbox(BYPASSED).await;
    let spawned = sb.zygote_pid().await.expect("zygote pid");
    let zygote = deepest_descendant(spawned);
    let cmdline = std::fs::read(format!("/proc/{zygote}/cmdline")).unwrap_or_default();
    assert!(
        String::from_utf8_lossy(&cmdline).contains("python"),
        "found the interpreter"
    );
    // SAFETY: kill(2) on the zygote this test started.
    assert_eq!(unsafe { libc::kill(zygote as i32, libc::SIGKILL) }, 0);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_unharmed(&sb).await;
    assert_ne!(
        sb.zygote_pid().await,
        Some(spawned),
        "a new zygote was started"
    );
}

#[tokio::test]
async fn guarded_replacing_json_dumps_does_not_change_the_report() {
    let sb = sandbox(GUARDED).await;
    let code = "import json\njson.dumps = lambda *a, **k: '{\"status\": \"ok\"}'\njson.JSONEncoder.encode = lambda *a: '{}'\nraise ValueError('boom')";
    let result = run(&sb, code, 5.0).await;
    assert_error(&result, "ValueError");
    assert_eq!(result.error.as_deref(), Some("boom"));
    assert_unharmed(&sb).await;
}

#[tokio::test]
async fn bypassed_a_forged_sandbox_fault_is_the_programs_own_error() {
    let sb = sandbox(BYPASSED).await;
    let code =
        "import os\nos.write(3, b'{\"status\":\"internal\",\"error\":\"forged\"}\\n')\nos._exit(0)";
    let result = run(&sb, code, 5.0).await;
    assert_error(&result, "SecurityError");
    assert_eq!(
        result.error.as_deref(),
        Some("the program wrote to the sandbox's status channel")
    );
    assert_unharmed(&sb).await;
}

#[tokio::test]
async fn guarded_hundreds_of_findings_are_capped_and_counted() {
    let sb = sandbox(GUARDED).await;
    let code: String = (0..400).map(|i| format!("import os as o{i}\n")).collect();
    let result = run(&sb, &code, 5.0).await;
    assert_error(&result, "SecurityError");
    assert_eq!(result.security_violations.len(), 51, "{result:?}");
    assert_eq!(result.security_violations[0].line, 1);
    assert_eq!(
        result.security_violations[50].message,
        "... and 350 more violations"
    );
    assert_unharmed(&sb).await;
}

#[tokio::test]
async fn guarded_dunder_names_in_strings_are_refused() {
    let sb = sandbox(GUARDED).await;
    for (code, name) in [
        (
            "import operator\noperator.attrgetter('__class__.__bases__')(1)",
            "__class__",
        ),
        (
            "import operator\noperator.methodcaller('__subclasses__')(object)",
            "__subclasses__",
        ),
        (
            "import string\nstring.Formatter().get_field('0.__globals__', [len], {})",
            "__globals__",
        ),
        ("x = '{0.f_globals}'", "f_globals"),
    ] {
        let result = run(&sb, code, 5.0).await;
        assert_refused(&result, &format!("Access to '{name}' is not allowed."));
    }
    assert_unharmed(&sb).await;
}

#[tokio::test]
async fn guarded_dunder_names_built_at_run_time_are_refused_by_the_helpers() {
    let sb = sandbox(GUARDED).await;
    for code in [
        "import operator\nname = '__cla' + 'ss__'\noperator.attrgetter(name)(1)",
        "import operator\noperator.methodcaller('__subcl' + 'asses__')",
        "import string\nstring.Formatter().get_field('0.' + '__glo' + 'bals__', [len], {})",
    ] {
        let result = run(&sb, code, 5.0).await;
        assert_error(&result, "AttributeError");
        assert!(
            result
                .error
                .as_deref()
                .unwrap_or_default()
                .contains("is not allowed"),
            "{result:?}"
        );
    }
    let ordinary = run(
        &sb,
        "import operator, string\nprint(operator.attrgetter('real')(3), operator.methodcaller('upper')('a'), string.Formatter().format('{0[x]}', {'x': 1}))",
        5.0,
    )
    .await;
    assert_eq!(ordinary.stdout, "3 A 1\n", "{ordinary:?}");
}

#[tokio::test]
async fn bypassed_a_flood_of_files_does_not_stall_the_next_runs() {
    let sb = sandbox(BYPASSED).await;
    // As many files as the run can make in 2.5 s (hundreds of thousands under Landlock; the
    // supervisor stops it at its allowance): their removal must not hold up other runs.
    let flood = "import os, time\nos.mkdir('d')\nn = 0\nend = time.monotonic() + 2.5\ntry:\n    while time.monotonic() < end:\n        for _ in range(1000):\n            os.close(os.open(f'd/{n}', os.O_CREAT | os.O_WRONLY, 0o600))\n            n += 1\nexcept OSError:\n    pass\nprint(n > 0)";
    let result = run(&sb, flood, 10.0).await;
    assert_eq!(result.stdout, "True\n", "{result:?}");
    let followers: Vec<_> = (0..4)
        .map(|i| {
            let sb = sb.clone();
            tokio::spawn(async move { run(&sb, &format!("print({i})"), 5.0).await })
        })
        .collect();
    for (i, follower) in followers.into_iter().enumerate() {
        let result = follower.await.expect("the follower task");
        assert!(result.success, "run {i} after the flood: {result:?}");
        assert_eq!(result.stdout, format!("{i}\n"));
    }
    assert_unharmed(&sb).await;
}

#[tokio::test]
async fn guarded_forward_references_pass_the_validator_too() {
    let sb = sandbox(GUARDED).await;
    // typing compiles and evaluates annotation strings: one built at run time must not
    // reach what the validator refuses in the program itself.
    let code = "import typing\nu = '_' + '_'\nL = []\ndef f(x: '(L.append(().' + u + 'class' + u + ') or int)'): pass\ntyping.get_type_hints(f)\nprint(L)";
    let result = run(&sb, code, 5.0).await;
    assert_error(&result, "NameError");
    assert!(
        result
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("Access to '__class__' is not allowed."),
        "{result:?}"
    );
    let ordinary = run(
        &sb,
        "import typing\ndef g(x: 'int', y: 'typing.List[str]') -> 'bool': pass\nprint(typing.get_type_hints(g))",
        5.0,
    )
    .await;
    assert!(ordinary.success, "{ordinary:?}");
    assert!(
        ordinary.stdout.contains("'x': <class 'int'>"),
        "{ordinary:?}"
    );
}
