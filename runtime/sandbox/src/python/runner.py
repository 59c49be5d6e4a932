# Trusted until user code starts: runs the code and reports its outcome on fd 3.
# Everything after `exec` only shapes this child's own result; the host treats fd 3
# as untrusted input.

_USER_FILENAME = "<string>"
_MAX_ERROR_CHARS = 8192


def _report(status):
    payload = (json.dumps(status) + "\n").encode()
    view = memoryview(payload)
    while view:
        written = os.write(3, view)
        view = view[written:]


def _describe(exc):
    try:
        text = str(exc)
    except BaseException:
        text = "<unprintable exception>"
    if not text:
        text = type(exc).__name__
    if len(text) > _MAX_ERROR_CHARS:
        text = text[:_MAX_ERROR_CHARS] + "..."
    return {"status": "error", "error": text, "error_type": type(exc).__name__}


def _user_traceback(exc):
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != _USER_FILENAME:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def run_user_code(cfg, code, applied):
    """Validates, then executes `code`; never returns."""
    out = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="backslashreplace", line_buffering=True)
    err = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace", line_buffering=True)
    sys.stdout = sys.__stdout__ = out
    sys.stderr = sys.__stderr__ = err
    sys.stdin = sys.__stdin__ = None
    status = {"status": "ok"}
    try:
        allowed = frozenset(cfg["allowed_modules"])
        if cfg["python_layer"]:
            violations = validate(code, allowed)
            if violations:
                _report({"status": "violations", "violations": violations, "layers": applied})
                os._exit(0)
            namespace = {"__name__": "__main__", "__builtins__": restricted_builtins(allowed)}
        else:
            namespace = {"__name__": "__main__", "__builtins__": builtins}
        linecache.cache[_USER_FILENAME] = (len(code), None, code.splitlines(True), _USER_FILENAME)
        random.seed()
        _report({"status": "running"})
        try:
            compiled = compile(code, _USER_FILENAME, "exec")
            exec(compiled, namespace)
        except BaseException as exc:
            status = _describe(exc)
            try:
                err.write(_user_traceback(exc))
            except BaseException:
                err.write(f"{status['error_type']}: {status['error']}\n")
    except BaseException as exc:
        status = _describe(exc)
    try:
        out.flush()
        err.flush()
    except BaseException:
        pass
    status["layers"] = applied
    try:
        _report(status)
    finally:
        os._exit(0)
