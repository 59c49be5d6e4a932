//! Direct system calls through ctypes with the Python-level layer bypassed: each denied
//! syscall must fail with the errno the seccomp filter gives (x86-64 numbers).
#![cfg(target_arch = "x86_64")]

mod common;

use common::{assert_error, assert_unharmed, run, sandbox, BYPASSED, CTYPES};

/// Runs `sc(nr, args...)` and expects "-1 <errno>".
macro_rules! syscall_denied {
    ($name:ident, $call:expr, $errno:expr) => {
        #[tokio::test]
        async fn $name() {
            let sb = sandbox(BYPASSED).await;
            let result = run(&sb, &format!("{CTYPES}print(*sc({}))", $call), 5.0).await;
            assert!(result.success, "{result:?}");
            assert_eq!(result.stdout, format!("-1 {}\n", $errno));
            assert_unharmed(&sb).await;
        }
    };
}

syscall_denied!(ptrace_the_parent, "101, 16, os.getppid(), 0, 0", "EPERM");
syscall_denied!(
    process_vm_readv_of_the_parent,
    "310, os.getppid(), 0, 0, 0, 0, 0",
    "EPERM"
);
syscall_denied!(mount, "165, 0, 0, 0, 0, 0", "EPERM");
syscall_denied!(unshare_a_user_namespace, "272, 0x10000000", "EPERM");
syscall_denied!(setns, "308, 0, 0", "EPERM");
syscall_denied!(bpf, "321, 0, 0, 0", "EPERM");
syscall_denied!(keyctl, "250, 0, 0, 0, 0, 0", "EPERM");
syscall_denied!(perf_event_open, "298, 0, 0, 0, 0, 0", "EPERM");
syscall_denied!(personality, "135, 0xffffffff", "EPERM");
syscall_denied!(io_uring_setup, "425, 1, 0", "EPERM");
syscall_denied!(clone_a_process, "56, 17, 0, 0, 0, 0", "EPERM");
syscall_denied!(clone3_falls_back, "435, 0, 0", "ENOSYS");
syscall_denied!(vfork, "58", "EPERM");
syscall_denied!(execve, "59, 0, 0, 0", "EPERM");
syscall_denied!(pidfd_open_of_init, "434, 1, 0", "EPERM");
syscall_denied!(userfaultfd, "323, 0", "EPERM");
syscall_denied!(tkill_another_thread, "200, 1, 9", "EPERM");
syscall_denied!(tgkill_another_process, "234, 1, 1, 9", "EPERM");
syscall_denied!(socket_raw, "41, 2, 3, 1", "EPERM");

#[tokio::test]
async fn x32_abi_syscall_kills_the_child() {
    let sb = sandbox(BYPASSED).await;
    let result = run(&sb, &format!("{CTYPES}print(sc(0x40000000 | 39))"), 5.0).await;
    assert_error(&result, "ProcessKilled");
    assert!(
        result
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("SIGSYS"),
        "{result:?}"
    );
    assert_unharmed(&sb).await;
}

#[tokio::test]
async fn no_capabilities_left() {
    let sb = sandbox(BYPASSED).await;
    let code = format!(
        "{CTYPES}class H(ctypes.Structure):\n    _fields_ = [('v', ctypes.c_uint32), ('p', ctypes.c_int)]\nclass D(ctypes.Structure):\n    _fields_ = [('e', ctypes.c_uint32), ('p', ctypes.c_uint32), ('i', ctypes.c_uint32)]\nh = H(0x20080522, 0)\nd = (D * 2)()\nprint(libc.capget(ctypes.byref(h), d), d[0].e, d[0].p, d[1].e, d[1].p)"
    );
    let result = run(&sb, &code, 5.0).await;
    assert!(result.success, "{result:?}");
    assert_eq!(result.stdout, "0 0 0 0 0\n");
    assert_unharmed(&sb).await;
}
