# Trusted: applies the operating-system layers inside a freshly forked child,
# in the order the crate docs justify, before any user code exists in the process.
# Every step fails closed: an exception here aborts the child before user code runs.

_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3
_SYS_LANDLOCK_CREATE_RULESET = 444
_SYS_LANDLOCK_ADD_RULE = 445
_SYS_LANDLOCK_RESTRICT_SELF = 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1

# Filesystem access rights by the Landlock ABI that introduced them.
_FS_READ = (1 << 2) | (1 << 3)  # READ_FILE, READ_DIR
_FS_ALL_V1 = (1 << 13) - 1      # EXECUTE .. MAKE_SYM
_FS_REFER = 1 << 13             # ABI 2
_FS_TRUNCATE = 1 << 14          # ABI 3
_FS_IOCTL_DEV = 1 << 15         # ABI 5
_NET_ALL = (1 << 0) | (1 << 1)  # ABI 4: BIND_TCP, CONNECT_TCP
_SCOPE_ALL = (1 << 0) | (1 << 1)  # ABI 6: abstract unix sockets, signals

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.prctl.restype = ctypes.c_int


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _check(result, what):
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def _prctl(option, arg2=0, arg3=0):
    return _check(
        _libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg2), arg3, ctypes.c_ulong(0), ctypes.c_ulong(0)),
        f"prctl({option})",
    )


def landlock_abi():
    """The kernel's Landlock ABI version, 0 when Landlock is unavailable."""
    result = _libc.syscall(
        ctypes.c_long(_SYS_LANDLOCK_CREATE_RULESET), None, ctypes.c_size_t(0),
        ctypes.c_uint32(_LANDLOCK_CREATE_RULESET_VERSION),
    )
    return max(result, 0)


def capabilities_effective():
    """The effective capability mask of this process, from /proc (0 when /proc is absent)."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"CapEff:"):
                    return int(line.split()[1], 16)
    except OSError:
        return 0
    return 0


def set_rlimits(cfg, timeout):
    cpu = int(timeout) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (cfg["memory_bytes"], cfg["memory_bytes"]))
    resource.setrlimit(resource.RLIMIT_FSIZE, (cfg["file_size_bytes"], cfg["file_size_bytes"]))
    resource.setrlimit(resource.RLIMIT_NOFILE, (cfg["open_files"], cfg["open_files"]))
    resource.setrlimit(resource.RLIMIT_NPROC, (cfg["processes"], cfg["processes"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def drop_identity(cfg, zygote_pid):
    """Becomes the unprivileged user when started as root; returns what was done."""
    if os.geteuid() == 0:
        os.setgroups([])
        os.setresgid(cfg["gid"], cfg["gid"], cfg["gid"])
        os.setresuid(cfg["uid"], cfg["uid"], cfg["uid"])
        identity = "dropped"
    else:
        identity = "inherited"
    # A credential change clears the parent-death signal, so it is set only now.
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != zygote_pid:
        os._exit(71)
    if os.getuid() == 0 or os.geteuid() == 0 or capabilities_effective() != 0:
        raise PermissionError("child still holds root or capabilities")
    return identity


def not_dumpable():
    """Closes this process's /proc memory, environment and descriptors (and ptrace) to
    processes sharing its uid; forked children inherit it."""
    _prctl(_PR_SET_DUMPABLE, 0)


def no_new_privs():
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)


def apply_landlock(abi, workdir, read_paths, devices):
    """Confines writes to `workdir` (and the writable devices) and reads to `read_paths` and
    the readable devices; denies TCP and outside signals."""
    if abi < 1:
        return False
    fs = _FS_ALL_V1
    if abi >= 2:
        fs |= _FS_REFER
    if abi >= 3:
        fs |= _FS_TRUNCATE
    if abi >= 5:
        fs |= _FS_IOCTL_DEV
    attr = _RulesetAttr(fs, _NET_ALL if abi >= 4 else 0, _SCOPE_ALL if abi >= 6 else 0)
    size = 24 if abi >= 6 else (16 if abi >= 4 else 8)
    ruleset = _check(
        _libc.syscall(ctypes.c_long(_SYS_LANDLOCK_CREATE_RULESET), ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0)),
        "landlock_create_ruleset",
    )
    try:
        rules = [(path, _FS_READ) for path in read_paths]
        rules.append((workdir, fs))
        for device in devices["read"]:
            writable = (1 << 1) if device in devices["write"] else 0
            rules.append((device, writable | (1 << 2)))
        for path, access in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                if not stat.S_ISDIR(os.fstat(fd).st_mode):
                    access &= (1 << 1) | (1 << 2) | _FS_TRUNCATE | _FS_IOCTL_DEV
                    access &= fs
                rule = _PathBeneathAttr(access, fd)
                _check(
                    _libc.syscall(ctypes.c_long(_SYS_LANDLOCK_ADD_RULE), ctypes.c_int(ruleset), ctypes.c_int(_LANDLOCK_RULE_PATH_BENEATH), ctypes.byref(rule), ctypes.c_uint32(0)),
                    f"landlock_add_rule({path})",
                )
            finally:
                os.close(fd)
        _check(
            _libc.syscall(ctypes.c_long(_SYS_LANDLOCK_RESTRICT_SELF), ctypes.c_int(ruleset), ctypes.c_uint32(0)),
            "landlock_restrict_self",
        )
    finally:
        os.close(ruleset)
    return True


def install_seccomp(program, pid_slots, seccomp_nr, flags=0):
    """Installs the host-built BPF filter, with this child's pid patched into its slots;
    returns what seccomp() returns (the listener descriptor when asked for one)."""
    patched = bytearray(program)
    pid = os.getpid()
    for slot in pid_slots:
        struct.pack_into("=I", patched, slot * 8 + 4, pid)
    buffer = ctypes.create_string_buffer(bytes(patched), len(patched))
    fprog = _SockFprog(len(patched) // 8, ctypes.addressof(buffer))
    return _check(
        _libc.syscall(ctypes.c_long(seccomp_nr), ctypes.c_uint(_SECCOMP_SET_MODE_FILTER), ctypes.c_uint(flags), ctypes.byref(fprog)),
        "seccomp",
    )


def _chdir_through_descriptor(path):
    """`os.chdir` for a supervised child, whose filter refuses chdir(2): the directory is
    opened through the supervisor (which checks it) and entered with fchdir(2)."""
    if isinstance(path, int):
        return os.fchdir(path)
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fchdir(fd)
    finally:
        os.close(fd)


def hand_over_files(program, pid_slots, seccomp_nr, handover_fd, workdir):
    """Installs the supervised filter and gives its listener to the host's file supervisor,
    keeping no copy: from here on the host performs every path-taking call of this process.
    Made dumpable first, so the supervisor (same uid, no capabilities in Lambda) may read
    the paths in this process's memory; other children cannot use that, since ptrace,
    process_vm_* and /proc are closed to them. Then proves the supervisor answers, by
    opening and examining the working directory through it."""
    _prctl(_PR_SET_DUMPABLE, 1)
    handover = socket.socket(fileno=handover_fd)
    try:
        listener = install_seccomp(program, pid_slots, seccomp_nr, _SECCOMP_FILTER_FLAG_NEW_LISTENER)
        try:
            socket.send_fds(handover, [os.fsencode(workdir)], [listener])
        finally:
            os.close(listener)
    finally:
        handover.close()
    os.chdir = _chdir_through_descriptor
    probe = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        if not stat.S_ISDIR(os.fstat(probe).st_mode):
            raise OSError("the file supervisor answered wrongly")
    finally:
        os.close(probe)
