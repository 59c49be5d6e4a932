# Trusted until user code starts: runs the code and reports its outcome on fd 3.
# Everything after `exec` only shapes this child's own result; the host treats fd 3
# as untrusted input. The report is written with references taken here, before any user
# code exists, and encoded without the `json` module (which user code may import and
# change), so replacing a library function cannot change what this runner reports.

_USER_FILENAME = "<string>"
_MAX_ERROR_CHARS = 8192
# At most this many findings are reported, each message cut to this length; the rest are
# counted in a last finding, so none is silently lost and the report stays far below what
# the host reads from fd 3.
_MAX_FINDINGS = 50
_MAX_FINDING_CHARS = 600
_write = os.write
_exit = os._exit
_str = str
_int = int
_isinstance = isinstance
_MemoryError = MemoryError
_len = len
_list = list
_dict = dict
_memoryview = memoryview
_JSON_ESCAPES = {i: f"\\u{i:04x}" for i in range(32)}
_JSON_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\"})


def _encode(value):
    """JSON text for the report's values: None, bools, ints, strings, lists and dicts."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if _isinstance(value, _int):
        return _int.__repr__(value)
    if _isinstance(value, _str):
        return '"' + _str.translate(value, _JSON_ESCAPES) + '"'
    if _isinstance(value, _list):
        return "[" + ",".join([_encode(item) for item in value]) + "]"
    if _isinstance(value, _dict):
        return "{" + ",".join([_encode(_str(key)) + ":" + _encode(item) for key, item in value.items()]) + "}"
    return _encode(_str(value))


def _report(status):
    payload = _str.encode(_encode(status) + "\n", "utf-8", "backslashreplace")
    view = _memoryview(payload)
    while view:
        written = _write(3, view)
        view = view[written:]


def _capped(violations):
    """At most `_MAX_FINDINGS` findings with bounded messages, plus one counting the rest."""
    kept = []
    for violation in violations[:_MAX_FINDINGS]:
        message = violation["message"]
        if _len(message) > _MAX_FINDING_CHARS:
            message = message[:_MAX_FINDING_CHARS] + "..."
        kept.append({"line": violation["line"], "column": violation["column"], "message": message})
    if _len(violations) > _MAX_FINDINGS:
        kept.append({"line": 0, "column": 0, "message": f"... and {_len(violations) - _MAX_FINDINGS} more violations"})
    return kept


def _describe(exc, memory_bytes):
    try:
        text = str(exc)
    except BaseException:
        text = "<unprintable exception>"
    if not text and _isinstance(exc, _MemoryError):
        text = f"the program ran out of memory: runs may use {memory_bytes >> 20} MiB"
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
                _report({"status": "violations", "violations": _capped(violations), "layers": applied})
                _exit(0)
            guard_attribute_helpers(allowed)
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
            status = _describe(exc, cfg["memory_bytes"])
            try:
                err.write(_user_traceback(exc))
            except BaseException:
                err.write(f"{status['error_type']}: {status['error']}\n")
    except BaseException as exc:
        status = _describe(exc, cfg["memory_bytes"])
    try:
        out.flush()
        err.flush()
    except BaseException:
        pass
    status["layers"] = applied
    try:
        _report(status)
    finally:
        _exit(0)
