# Trusted: the Python-level layer. A friendly first line of defence that gives the
# original system's messages; the OS layers applied before it must hold without it.

BLOCKED_CALLS = frozenset({
    "eval", "exec", "compile", "open", "input", "__import__", "globals", "locals", "vars",
    "dir", "getattr", "setattr", "delattr", "hasattr", "breakpoint", "help", "memoryview",
})

BLOCKED_ATTRIBUTES = frozenset({
    "__class__", "__bases__", "__subclasses__", "__mro__", "__globals__", "__code__",
    "__builtins__", "__import__", "__dict__", "__getattribute__", "__reduce__", "__reduce_ex__",
    "__loader__", "__spec__", "__self__", "__func__", "__closure__", "__traceback__",
    "gi_frame", "cr_frame", "ag_frame", "f_back", "f_globals", "f_locals", "f_builtins",
    "tb_frame", "tb_next", "sys", "os", "modules", "_os", "builtins",
    # Further module escapes reachable from allowlisted modules (dataclasses.inspect, ...).
    "_sys", "inspect", "importlib", "import_module", "_getframe", "posix", "f_code",
})

_FORMAT_FIELD = re.compile(r"[.\[]\s*([A-Za-z_][A-Za-z0-9_]*)")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Blocked names that are never ordinary words, so any string holding one is refused: strings
# reach attributes through attrgetter, methodcaller, format fields and Formatter.get_field.
_BLOCKED_IN_STRINGS = frozenset(
    name for name in BLOCKED_ATTRIBUTES
    if name.startswith("__") or name.startswith(("gi_", "cr_", "ag_", "f_", "tb_")) or name == "_getframe"
)


class _Validator(ast.NodeVisitor):
    def __init__(self, allowed):
        self.allowed = allowed
        self.allowed_text = str(sorted(allowed))
        self.violations = []

    def _add(self, node, message):
        self.violations.append({
            "line": getattr(node, "lineno", 0) or 0,
            "column": getattr(node, "col_offset", 0) or 0,
            "message": message,
        })

    def _check_module(self, node, name, kind):
        if name.split(".")[0] not in self.allowed:
            self._add(node, f"{kind} '{name}' is not allowed. Allowed modules: {self.allowed_text}")

    def visit_Import(self, node):
        for alias in node.names:
            self._check_module(node, alias.name, "Import of")

    def visit_ImportFrom(self, node):
        name = "." * node.level + (node.module or "")
        if node.level:
            self._add(node, f"Import from '{name}' is not allowed. Allowed modules: {self.allowed_text}")
        else:
            self._check_module(node, name, "Import from")
        for alias in node.names:
            if alias.name in BLOCKED_ATTRIBUTES:
                self._add(node, f"Access to '{alias.name}' is not allowed.")

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id in BLOCKED_CALLS:
            self._add(node, f"Use of '{node.func.id}()' is not allowed.")
            for child in node.args + [k.value for k in node.keywords]:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if node.attr in BLOCKED_ATTRIBUTES:
            self._add(node, f"Access to '{node.attr}' is not allowed.")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id.startswith("__") and node.id in BLOCKED_ATTRIBUTES:
            self._add(node, f"Access to '{node.id}' is not allowed.")

    def visit_MatchClass(self, node):
        for attr in node.kwd_attrs:
            if attr in BLOCKED_ATTRIBUTES:
                self._add(node, f"Access to '{attr}' is not allowed.")
        self.generic_visit(node)

    def visit_Constant(self, node):
        if not isinstance(node.value, str):
            return
        found = []
        # str.format fields reach attributes too: "{0.__class__}".format(x).
        if "{" in node.value:
            found += [m.group(1) for m in _FORMAT_FIELD.finditer(node.value) if m.group(1) in BLOCKED_ATTRIBUTES]
        found += [name for name in _IDENTIFIER.findall(node.value) if name in _BLOCKED_IN_STRINGS]
        for name in dict.fromkeys(found):
            self._add(node, f"Access to '{name}' is not allowed.")


def validate(code, allowed):
    """Returns one violation per offending node, or a single syntax-error violation."""
    try:
        tree = ast.parse(code, "<string>", "exec")
    except SyntaxError as exc:
        return [{"line": exc.lineno or 0, "column": exc.offset or 0, "message": f"Syntax error: {exc.msg}"}]
    except (ValueError, RecursionError, MemoryError) as exc:
        return [{"line": 0, "column": 0, "message": f"Syntax error: {exc}"}]
    validator = _Validator(allowed)
    try:
        validator.visit(tree)
    except RecursionError:
        validator.violations.append({"line": 0, "column": 0, "message": "Syntax error: code is nested too deeply"})
    return validator.violations


def _refuse_blocked(names):
    for name in names:
        for part in re.split(r"[.\[\]]", str(name)):
            if part.strip() in BLOCKED_ATTRIBUTES:
                raise AttributeError(f"Access to '{part.strip()}' is not allowed.")


def guard_attribute_helpers(allowed):
    """Makes the allowlisted helpers that walk attributes by name refuse blocked names, for
    names built at run time that the validator cannot see (`'__cla' + 'ss__'`), and makes
    typing's forward references (strings it compiles and evaluates, e.g. in
    `get_type_hints`) pass the same validator as the program itself."""
    real_attrgetter, real_methodcaller = operator.attrgetter, operator.methodcaller
    real_get_field = string.Formatter.get_field
    real_evaluate = typing.ForwardRef._evaluate

    def evaluate(self, *args, **kwargs):
        violations = validate(self.__forward_arg__, allowed)
        if violations:
            raise NameError(f"forward reference {self.__forward_arg__!r}: {violations[0]['message']}")
        return real_evaluate(self, *args, **kwargs)

    def attrgetter(*names):
        _refuse_blocked(names)
        return real_attrgetter(*names)

    def methodcaller(name, /, *args, **kwargs):
        _refuse_blocked([name])
        return real_methodcaller(name, *args, **kwargs)

    def get_field(self, field_name, args, kwargs):
        _refuse_blocked([field_name])
        return real_get_field(self, field_name, args, kwargs)

    operator.attrgetter, operator.methodcaller = attrgetter, methodcaller
    string.Formatter.get_field = get_field
    typing.ForwardRef._evaluate = evaluate


def restricted_builtins(allowed):
    """A builtins namespace without the blocked names and with a guarded __import__."""
    real_import = builtins.__import__
    allowed_text = str(sorted(allowed))

    def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        if level != 0 or name.split(".")[0] not in allowed:
            raise ImportError(f"Import of '{name}' is not allowed. Allowed modules: {allowed_text}")
        return real_import(name, globals, locals, fromlist, level)

    namespace = {k: v for k, v in builtins.__dict__.items() if k not in BLOCKED_CALLS}
    namespace["__import__"] = guarded_import
    return namespace
