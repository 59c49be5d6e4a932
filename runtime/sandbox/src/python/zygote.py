# Trusted: the fork server. Started once by the host (under bubblewrap where available),
# it receives one configuration message, pre-imports the allowlisted modules, then forks one
# fresh child per request on the control socket (fd 3). A request carries four pipes (stdout,
# stderr, status, code) and, where the host supervises files, a fifth descriptor: the socket
# the child hands its seccomp listener over on. The zygote never reads the code: only the
# child, after confining itself, parses and executes it.

_CONTROL_FD = 3
_HANDOVER_FD = 4
_MAX_MESSAGE = 4 << 20


def _send(control, event, fds=()):
    data = json.dumps(event).encode()
    if fds:
        socket.send_fds(control, [data], list(fds))
    else:
        control.send(data)


def _child(cfg, request, fds, workdir, zygote_pid):
    try:
        os.setsid()
        stdout_fd, stderr_fd, status_fd, code_fd = fds[:4]
        chunks = []
        while chunk := os.read(code_fd, 1 << 16):
            chunks.append(chunk)
        code = b"".join(chunks).decode("utf-8")
        os.dup2(status_fd, 3)
        os.dup2(stdout_fd, 1)
        os.dup2(stderr_fd, 2)
        devnull = os.open("/dev/null", os.O_RDONLY)
        os.dup2(devnull, 0)
        if cfg["supervised"]:
            os.dup2(fds[4], _HANDOVER_FD)
            os.closerange(_HANDOVER_FD + 1, 1 << 16)
        else:
            os.closerange(4, 1 << 16)
    except BaseException:
        os._exit(70)
    try:
        os.chdir(workdir)
        os.environ.clear()
        set_rlimits(cfg, request["timeout"])
        applied = {"identity": drop_identity(cfg, zygote_pid), "uid": os.getuid()}
        no_new_privs()
        applied["landlock"] = apply_landlock(cfg["landlock_abi"], workdir, cfg["read_paths"], {"read": cfg["read_devices"], "write": cfg["write_devices"]})
        if cfg["supervised"]:
            hand_over_files(cfg["seccomp"], cfg["pid_slots"], cfg["seccomp_nr"], _HANDOVER_FD, workdir)
            applied["files"] = "supervisor"
        else:
            install_seccomp(cfg["seccomp"], cfg["pid_slots"], cfg["seccomp_nr"])
            applied["files"] = "landlock" if applied["landlock"] else "none"
        applied["seccomp"] = True
        for name in [m for m in sys.modules if m == "ctypes" or m.startswith("ctypes.") or m == "_ctypes"]:
            del sys.modules[name]
    except BaseException as exc:
        try:
            _report({"status": "internal", "error": f"{type(exc).__name__}: {exc}"})
        finally:
            os._exit(70)
    run_user_code(cfg, code, applied)


def _preload(allowed):
    for name in sorted(allowed):
        try:
            __import__(name)
        except ImportError:
            pass


def _spawn(cfg, control, request, fds, zygote_pid, children, poller):
    workdir = None
    try:
        if len(fds) != (5 if cfg["supervised"] else 4):
            raise OSError("a run request carries the wrong number of descriptors")
        workdir = tempfile.mkdtemp(prefix="run-", dir=cfg["tmp_base"])
        if os.geteuid() == 0:
            os.chown(workdir, cfg["uid"], cfg["gid"])
        pid = os.fork()
        if pid == 0:
            _child(cfg, request, fds, workdir, zygote_pid)
            os._exit(70)
    except OSError as exc:
        if workdir:
            _remove_tree(workdir)
        _send(control, {"event": "failed", "id": request["id"], "error": str(exc)})
        return
    finally:
        for fd in fds:
            os.close(fd)
    pidfd = os.pidfd_open(pid)
    children[pidfd] = (request["id"], pid, workdir)
    poller.register(pidfd, select.POLLIN)
    _send(control, {"event": "started", "id": request["id"]}, [pidfd])


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


# Entries the zygote removes itself before handing a directory to a helper process, so a
# run that left millions of files never stalls the loop every other run waits on.
_REMOVE_INLINE = 4096


class _TooLarge(Exception):
    pass


def _remove_tree(top, budget=_REMOVE_INLINE):
    """Removes a finished run's directory however the run left it: directories it made
    unreadable are opened up first, and depth is walked with descriptors (no recursion, no
    path length limit). Past `budget` entries the rest goes to a helper process. A failure
    is reported, never raised: the zygote must outlive it."""
    error = None
    for _attempt in range(3):
        try:
            _remove_contents(top, budget)
            os.rmdir(top)
            return
        except FileNotFoundError:
            return
        except _TooLarge:
            _remove_in_helper(top)
            return
        except BaseException as exc:
            error = exc
    sys.stderr.write(f"cannot remove the run directory {top!r}: {type(error).__name__}: {error}\n")


def _remove_in_helper(top):
    """Removes `top` in a grandchild that nothing waits for (it is reparented and reaped by
    init, or bubblewrap's): the zygote only waits for the brief intermediate child."""
    try:
        pid = os.fork()
    except OSError as exc:
        sys.stderr.write(f"cannot fork to remove {top!r}: {exc}\n")
        return
    if pid == 0:
        try:
            os.closerange(3, 1 << 16)
            if os.fork() == 0:
                _remove_tree(top, budget=None)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _remove_contents(top, budget):
    stack = []
    names = []
    removed = 0
    try:
        stack.append(os.open(top, _DIR_FLAGS))
        while stack:
            fd = stack[-1]
            os.chmod(fd, 0o700)
            below = None
            with os.scandir(fd) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        below = entry.name
                        break
                    try:
                        os.unlink(entry.name, dir_fd=fd)
                    except FileNotFoundError:
                        pass
                    removed += 1
                    if budget is not None and removed > budget:
                        raise _TooLarge()
            if below is None:
                os.close(stack.pop())
                if names:
                    os.rmdir(names.pop(), dir_fd=stack[-1])
                continue
            os.chmod(below, 0o700, dir_fd=fd)
            stack.append(os.open(below, _DIR_FLAGS, dir_fd=fd))
            names.append(below)
    finally:
        for fd in stack:
            os.close(fd)


def _reap(cfg, control, pidfd, children, poller, released, awaiting):
    run_id, pid, workdir = children.pop(pidfd)
    poller.unregister(pidfd)
    _kill_group(pid)
    _, status = os.waitpid(pid, 0)
    os.close(pidfd)
    # A supervised run's directory goes only once its file supervisor (in the host) has ended
    # too: a call it was still performing could otherwise add to the directory after the
    # removal listed it.
    if not cfg["supervised"] or run_id in released:
        released.discard(run_id)
        _remove_tree(workdir)
    else:
        awaiting[run_id] = workdir
    _send(control, {"event": "exited", "id": run_id, "status": os.waitstatus_to_exitcode(status)})


def _release(run_id, released, awaiting):
    workdir = awaiting.pop(run_id, None)
    if workdir is None:
        released.add(run_id)
    else:
        _remove_tree(workdir)


def _shut_down(children, awaiting):
    """The host is gone or done: no run may outlive it, nor any run's directory."""
    for pidfd, (_, pid, workdir) in children.items():
        _kill_group(pid)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        os.close(pidfd)
        _remove_tree(workdir)
    for workdir in awaiting.values():
        _remove_tree(workdir)
    os._exit(0)


def _kill(run_id, children):
    for child_id, pid, _ in children.values():
        if child_id == run_id:
            _kill_group(pid)


def main():
    # Before any child exists: a child that shares the zygote's uid (an unprivileged host)
    # must not reach its memory or its siblings' through /proc.
    not_dumpable()
    control = socket.socket(fileno=_CONTROL_FD)
    cfg = json.loads(control.recv(_MAX_MESSAGE))
    cfg["seccomp"] = bytes.fromhex(cfg["seccomp"])
    cfg["landlock_abi"] = landlock_abi() if cfg["landlock"] else 0
    cfg["read_paths"] = sorted(set(cfg["read_paths"]) | {sys.prefix, sys.base_prefix} - {"/", "/usr"})
    stdlib = os.path.dirname(os.__file__)
    cfg["read_paths"].append(stdlib)
    os.makedirs(cfg["tmp_base"], mode=0o711, exist_ok=True)
    # Threads of a child get stacks of this size instead of RLIMIT_STACK's 8 MiB, so the
    # address-space limit leaves room for as many threads as RLIMIT_NPROC allows.
    _thread.stack_size(cfg["thread_stack_bytes"])
    _preload(cfg["allowed_modules"])
    gc.collect()
    gc.freeze()
    zygote_pid = os.getpid()
    _send(control, {
        "event": "hello",
        "landlock_abi": cfg["landlock_abi"],
        "euid": os.geteuid(),
        "pid": zygote_pid,
        "python": sys.version.split()[0],
        "read_paths": cfg["read_paths"],
    })
    children = {}
    released = set()
    awaiting = {}
    poller = select.poll()
    poller.register(control, select.POLLIN)
    while True:
        for fd, _ in poller.poll():
            if fd in children:
                _reap(cfg, control, fd, children, poller, released, awaiting)
                continue
            data, fds, _, _ = socket.recv_fds(control, _MAX_MESSAGE, 5)
            if not data:
                _shut_down(children, awaiting)
            request = json.loads(data)
            if request["op"] == "run":
                _spawn(cfg, control, request, fds, zygote_pid, children, poller)
                continue
            for fd_extra in fds:
                os.close(fd_extra)
            if request["op"] == "release":
                _release(request["id"], released, awaiting)
            else:
                _kill(request["id"], children)


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


main()
