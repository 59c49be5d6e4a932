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
// A descriptor whose readiness would signal another process: the kernel checks only that
// the uids match, so in Lambda this reached the host, the zygote and every other run.
syscall_denied!(
    fcntl_setown_to_the_parent,
    "72, 0, 8, os.getppid()",
    "EPERM"
);
syscall_denied!(fcntl_setsig, "72, 0, 10, 9", "EPERM");
syscall_denied!(fcntl_setown_ex, "72, 0, 15, 0", "EPERM");
syscall_denied!(ioctl_fiosetown, "16, 0, 0x8901, 0", "EPERM");
// Space past the end of a file is outside RLIMIT_FSIZE (2 GiB kept as allocated blocks).
syscall_denied!(fallocate_keep_size, "285, 0, 1, 0, 1 << 31", "EPERM");
syscall_denied!(fchmod_set_id_bits, "91, 0, 0o6755", "EPERM");
// Finding other runs and their memory layout.
syscall_denied!(getsid_of_the_parent, "124, os.getppid()", "EPERM");
syscall_denied!(getpgid_of_the_parent, "121, os.getppid()", "EPERM");
syscall_denied!(
    get_robust_list_of_the_parent,
    "274, os.getppid(), 0, 0",
    "EPERM"
);
syscall_denied!(getpriority_of_the_parent, "140, 0, os.getppid()", "EPERM");
syscall_denied!(capget_of_anyone, "125, 0, 0", "EPERM");
syscall_denied!(a_filter_of_its_own, "317, 1, 8, 0", "EPERM");
syscall_denied!(a_syscall_newer_than_the_filter, "470, 0, 0", "ENOSYS");
// Another process's limits, priority, CPUs or I/O class (the zygote here; in Lambda every
// run shares one uid, so these would reach the other runs).
syscall_denied!(prlimit_of_the_parent, "302, os.getppid(), 7, 0, 0", "EPERM");
syscall_denied!(
    setpriority_of_the_parent,
    "141, 0, os.getppid(), 19",
    "EPERM"
);
syscall_denied!(setpriority_of_the_whole_user, "141, 2, 0, 19", "EPERM");
syscall_denied!(setpriority_of_the_process_group, "141, 1, 0, 19", "EPERM");
syscall_denied!(
    sched_setaffinity_of_the_parent,
    "203, os.getppid(), 8, 0",
    "EPERM"
);
syscall_denied!(
    sched_setscheduler_of_the_parent,
    "144, os.getppid(), 0, 0",
    "EPERM"
);
syscall_denied!(ioprio_set_of_the_parent, "251, 1, os.getppid(), 0", "EPERM");
syscall_denied!(ioprio_set_of_the_whole_user, "251, 3, 0, 0", "EPERM");

#[tokio::test]
async fn its_own_limits_and_priority_stay_adjustable() {
    let sb = sandbox(BYPASSED).await;
    let code = "import os, resource
os.setpriority(os.PRIO_PROCESS, 0, 5)
print(os.getpriority(os.PRIO_PROCESS, 0))
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (soft - 1, hard))
print(resource.getrlimit(resource.RLIMIT_NOFILE)[0] == soft - 1)
print(len(os.sched_getaffinity(0)) >= 1)";
    let result = run(&sb, code, 5.0).await;
    assert!(result.success, "{result:?}");
    assert_eq!(result.stdout, "5\nTrue\nTrue\n");
    assert_unharmed(&sb).await;
}

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
    // capget is refused (its header could name any pid); what a capability would allow is
    // tried instead: a higher priority (CAP_SYS_NICE) and giving a file to root (CAP_CHOWN).
    let code = format!(
        "{CTYPES}print(*sc(125, 0, 0))\nfd = os.open('mine', os.O_CREAT | os.O_WRONLY, 0o600)\nfor label, action in [('nice', lambda: os.setpriority(os.PRIO_PROCESS, 0, -5)), ('chown', lambda: os.fchown(fd, 0, 0))]:\n    try:\n        action()\n        print(label, 'allowed')\n    except PermissionError:\n        print(label, 'EPERM')"
    );
    let result = run(&sb, &code, 5.0).await;
    assert!(result.success, "{result:?}");
    assert_eq!(result.stdout, "-1 EPERM\nnice EPERM\nchown EPERM\n");
    assert_unharmed(&sb).await;
}
