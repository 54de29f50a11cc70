"""The first fence: checks on a script's source before it runs, the builtins it sees and the
import guard. The OS limits in sandbox.py are the real fence; these give clear errors early."""

import ast
import builtins
import importlib.util
import io
import sys
import tokenize

# The seed product's list (string, math, ..., matplotlib.pyplot), limited to what is installed.
DEFAULT_ALLOWED_IMPORTS = (
    "string", "math", "itertools", "random", "warnings", "base64", "io", "json", "xml",
    "ssl", "time", "datetime",
    "yaml", "httpx", "pandas", "numpy", "deepdiff", "passlib.hash", "jose", "jose.backends",
    "jose.constants", "jose.utils", "openai", "matplotlib", "matplotlib.pyplot",
)

# Builtins a restricted script may not name: they read files, compile code or reach into
# objects' internals.
FORBIDDEN_NAMES = frozenset({
    "eval", "exec", "compile", "open", "globals", "locals", "vars", "getattr", "setattr",
    "delattr", "breakpoint", "input", "help", "exit", "quit", "memoryview", "__import__",
    "__builtins__", "__loader__", "__spec__",
})
# Attributes that lead from ordinary objects to modules, frames or code.
FORBIDDEN_ATTRIBUTES = frozenset({
    "format", "format_map", "os", "sys", "subprocess", "builtins", "importlib", "system",
    "popen", "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "f_globals", "f_locals",
    "f_builtins", "f_back", "tb_frame", "co_code", "mro",
})


class ScriptRejected(ValueError):
    """The script failed a check; the message says which line and why."""


class ScriptSyntaxError(ValueError):
    """The script is not valid Python."""


def installed(name):
    try:
        return importlib.util.find_spec(name) is not None
    except Exception:  # noqa: BLE001  a broken package is not installed, for scripts
        return False


def effective_allow_list(configured):
    """The configured names that can actually be imported here."""
    return tuple(name for name in configured if installed(name))


def function_source(script, function_name):
    """The script as the body of `async def function_name():`. Lines inside multi-line
    strings are not indented, so the strings keep their text."""
    inside_string = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(script).readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                inside_string.update(range(token.start[0] + 1, token.end[0] + 1))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # the compiler reports the error with a better message
    lines = script.splitlines()
    body = [line if number in inside_string else "    " + line
            for number, line in enumerate(lines, start=1)]
    if not any(line.strip() and not line.strip().startswith("#") for line in lines):
        body.append("    pass")
    return "async def %s():\n%s\n" % (function_name, "\n".join(body))


def parse_script(script, function_name="__parallax_script__"):
    """The wrapped script's syntax tree, with line numbers of the user's script."""
    try:
        tree = ast.parse(function_source(script, function_name), filename="<script>")
    except SyntaxError as error:
        line = (error.lineno or 1) - 1
        raise ScriptSyntaxError("syntax error on line %d: %s" % (max(line, 1), error.msg)) from None
    ast.increment_lineno(tree, -1)
    return tree


class _Checker(ast.NodeVisitor):
    def __init__(self, allowed_imports, local_modules):
        self.allowed = set(allowed_imports)
        self.local_modules = set(local_modules)

    def refuse(self, node, message):
        raise ScriptRejected("line %d: %s" % (getattr(node, "lineno", 0), message))

    def check_module(self, node, name):
        if name in self.allowed or name.split(".")[0] in self.local_modules:
            return
        self.refuse(node, "import of '%s' is not allowed (allowed: %s)"
                    % (name, ", ".join(sorted(self.allowed)) or "none"))

    def visit_Import(self, node):
        for alias in node.names:
            self.check_module(node, alias.name)

    def visit_ImportFrom(self, node):
        if node.level:
            self.refuse(node, "relative imports are not allowed")
        self.check_module(node, node.module or "")

    def visit_Name(self, node):
        if node.id in FORBIDDEN_NAMES or node.id.startswith("__"):
            self.refuse(node, "use of '%s' is not allowed" % node.id)

    def visit_Attribute(self, node):
        if node.attr.startswith("_"):
            self.refuse(node, "access to the private attribute '%s' is not allowed" % node.attr)
        if node.attr in FORBIDDEN_ATTRIBUTES:
            hint = " (use an f-string)" if node.attr.startswith("format") else ""
            self.refuse(node, "access to the attribute '%s' is not allowed%s" % (node.attr, hint))
        self.generic_visit(node)

    def visit_Global(self, node):
        self.refuse(node, "'global' is not allowed")


def check_restricted(tree, allowed_imports, local_modules=()):
    """Raises ScriptRejected when the (wrapped) script breaks a rule of the restricted profile."""
    function = tree.body[0]
    for statement in function.body:
        _Checker(allowed_imports, local_modules).visit(statement)


# Imported by C code of allowed modules through the caller's builtins, i.e. the script's:
# datetime.strptime and time.strptime import _strptime.
C_HELPER_IMPORTS = frozenset({"_strptime"})


def import_guard(allowed_imports, local_modules):
    """An __import__ for the script's builtins: only allowed modules, no relative imports.
    Allowing `a` does not allow `a.b` unless `a.b` is listed (a script's import statements
    are checked against the same list). Imports made for it by C code of allowed modules
    (numpy's MemoryError message imports numpy.core._exceptions) also pass: a submodule of
    an allowed package that is already loaded, or one of C_HELPER_IMPORTS."""
    allowed = set(allowed_imports)
    local = set(local_modules)
    allowed_packages = {name.split(".")[0] for name in allowed}
    real_import = builtins.__import__

    def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        top = name.split(".")[0]
        if level or not (name in allowed or top in local or name in C_HELPER_IMPORTS
                         or (top in allowed_packages and name in sys.modules)):
            raise ImportError("import of '%s' is not allowed" % name)
        return real_import(name, globals, locals, fromlist, level)

    return guarded_import


def restricted_builtins(allowed_imports, local_modules):
    safe = {name: value for name, value in vars(builtins).items()
            if name not in FORBIDDEN_NAMES and not name.startswith("_")}
    safe["__import__"] = import_guard(allowed_imports, local_modules)
    safe["__build_class__"] = builtins.__build_class__  # class statements
    safe["__name__"] = "__script__"
    return safe
