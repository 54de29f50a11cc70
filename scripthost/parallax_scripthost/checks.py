"""The first fence: checks on a script's source before it runs, the builtins it sees and the
import guard. The OS limits in sandbox.py are the real fence; these give clear errors early."""

import ast
import builtins
import importlib.util
import io
import sys
import tokenize
import types

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
# Attributes (and names imported with `from m import n`) that lead from ordinary objects to
# modules, frames, code, memory or unpickling: the well-known routes around the fence in
# the allowed modules (string.Formatter().get_field('0.__globals__[...]'), numpy.ctypeslib
# and ndarray.ctypes, yaml's unsafe loaders, pandas.read_pickle, pandas.eval/query, which
# walk attributes themselves, importlib's helpers imported into libraries...).
FORBIDDEN_ATTRIBUTES = frozenset({
    "format", "format_map", "os", "sys", "subprocess", "builtins", "importlib", "system",
    "popen", "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "f_globals", "f_locals",
    "f_builtins", "f_back", "f_code", "tb_frame", "co_code", "mro",
    # string
    "Formatter", "get_field", "vformat", "format_field", "convert_field",
    # ctypes and raw memory
    "ctypes", "ctypeslib", "load_library", "CDLL", "cdll", "PyDLL", "pydll", "pythonapi",
    "cast", "pointer", "POINTER", "addressof", "string_at", "memmove", "memset",
    # unpickling and unsafe YAML (names ending in Loader/Constructor: see below)
    "pickle", "Unpickler", "read_pickle", "to_pickle", "pickle_compat", "unsafe_load",
    "unsafe_load_all", "full_load", "full_load_all",
    # evaluators that walk attributes, templates
    "eval", "query", "runstring", "rundocs", "style", "Styler", "from_custom_template",
    "from_string",
    # getattr in disguise, module loading and processes
    "attrgetter", "methodcaller", "operator", "inspect", "getmembers", "import_module",
    "reload", "find_spec", "module_from_spec", "SourceFileLoader", "LazyLoader",
    "walk_packages", "get_data", "entry_points", "Popen", "check_call", "check_output",
    "getstatusoutput", "get_context", "f2py", "distutils",
})
# Of the yaml names ending in Loader or Constructor, only these never build Python objects.
SAFE_YAML_CLASSES = frozenset({"BaseLoader", "SafeLoader", "CBaseLoader", "CSafeLoader",
                               "BaseConstructor", "SafeConstructor"})


def forbidden_attribute(name):
    if name in FORBIDDEN_ATTRIBUTES:
        return True
    return name.endswith(("Loader", "Constructor")) and name not in SAFE_YAML_CLASSES


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


def allow_list(replacement=None, additions=()):
    """The configured allow-list: `replacement` (--allow-import) or the default, plus
    `additions` (--also-allow-import), each name once, in order."""
    names = tuple(replacement) if replacement is not None else DEFAULT_ALLOWED_IMPORTS
    return tuple(dict.fromkeys(names + tuple(additions)))


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
    def __init__(self, allowed_imports, local_modules, missing_imports=()):
        self.allowed = set(allowed_imports)
        self.local_modules = set(local_modules)
        self.missing = set(missing_imports)

    def refuse(self, node, message):
        raise ScriptRejected("line %d: %s" % (getattr(node, "lineno", 0), message))

    def check_module(self, node, name):
        if name in self.allowed or name.split(".")[0] in self.local_modules:
            return
        if name in self.missing:
            self.refuse(node, "'%s' is allowed but not installed on the script host" % name)
        self.refuse(node, "import of '%s' is not allowed (allowed: %s)"
                    % (name, ", ".join(sorted(self.allowed)) or "none"))

    def visit_Import(self, node):
        for alias in node.names:
            self.check_module(node, alias.name)

    def visit_ImportFrom(self, node):
        if node.level:
            self.refuse(node, "relative imports are not allowed")
        self.check_module(node, node.module or "")
        for alias in node.names:
            if alias.name == "*":
                self.refuse(node, "'import *' is not allowed")
            if alias.name.startswith("_") or forbidden_attribute(alias.name):
                self.refuse(node, "import of the name '%s' is not allowed" % alias.name)

    def visit_Call(self, node):
        # numpy.load(file, mmap_mode, allow_pickle) and friends: never unpickle.
        for keyword in node.keywords:
            if keyword.arg == "allow_pickle" and not (
                    isinstance(keyword.value, ast.Constant) and keyword.value.value is False):
                self.refuse(node, "allow_pickle is not allowed (it runs code)")
        if (isinstance(node.func, ast.Attribute) and node.func.attr == "load"
                and len(node.args) > 2):
            self.refuse(node, "load() with more than two positional arguments is not allowed")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in FORBIDDEN_NAMES or node.id.startswith("__"):
            self.refuse(node, "use of '%s' is not allowed" % node.id)

    def visit_Attribute(self, node):
        if node.attr.startswith("_"):
            self.refuse(node, "access to the private attribute '%s' is not allowed" % node.attr)
        if forbidden_attribute(node.attr):
            hint = " (use an f-string)" if node.attr.startswith("format") else ""
            self.refuse(node, "access to the attribute '%s' is not allowed%s" % (node.attr, hint))
        self.generic_visit(node)

    def visit_Global(self, node):
        self.refuse(node, "'global' is not allowed")


def check_restricted(tree, allowed_imports, local_modules=(), missing_imports=()):
    """Raises ScriptRejected when the (wrapped) script breaks a rule of the restricted profile.
    `missing_imports`: allowed names that are not installed (refused as such)."""
    function = tree.body[0]
    for statement in function.body:
        _Checker(allowed_imports, local_modules, missing_imports).visit(statement)


ATTRIBUTE_GUARD = "__parallax_attribute__"


class _GuardAttributes(ast.NodeTransformer):
    """Every attribute read `x.name` becomes `__parallax_attribute__(x, 'name')`."""

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if not isinstance(node.ctx, ast.Load):
            return node
        call = ast.Call(func=ast.Name(id=ATTRIBUTE_GUARD, ctx=ast.Load()),
                        args=[node.value, ast.Constant(node.attr)], keywords=[])
        return ast.copy_location(call, node)


def guard_attributes(tree):
    """The checked tree with its attribute reads going through attribute_guard()."""
    return ast.fix_missing_locations(_GuardAttributes().visit(tree))


def attribute_guard(allowed_imports, local_modules):
    """getattr for the script, refusing what leads out of the allowed modules whatever the
    name: a module outside the allowed packages (pandas.io.common.mmap, ...core.common.
    inspect), and a function or class defined outside them (methodcaller, Popen,
    import_module imported into a library), or a forbidden builtin (eval, exec, ...)."""
    packages = {name.split(".")[0] for name in allowed_imports} | set(local_modules)
    owners = packages | {"__script__", "parallax_scripthost", "builtins"}
    forbidden = {id(getattr(builtins, name)) for name in FORBIDDEN_NAMES
                 if hasattr(builtins, name) and name != "open"}  # io.open is allowed

    def allowed(module, tops):
        top = (module or "").split(".")[0]
        return top in tops or top.lstrip("_") in tops  # _io for io, _json for json

    def refuse(name, what):
        line = sys._getframe(2).f_lineno
        raise ScriptRejected("line %d: the attribute '%s' leads to %s, which is not allowed"
                             % (line, name, what))

    method = types.BuiltinMethodType
    checked = (types.ModuleType, types.FunctionType)

    def attribute(value, name):
        found = getattr(value, name)
        kind = type(found)
        # Fast paths (most reads): a C method bound to an object, or a plain value.
        if kind is method:
            if not isinstance(found.__self__, types.ModuleType):
                return found
        elif kind not in checked and not isinstance(found, type):
            return found
        if isinstance(found, types.ModuleType):
            if not allowed(found.__name__, packages):
                refuse(name, "the module '%s'" % found.__name__)
        elif isinstance(found, (types.FunctionType, types.BuiltinFunctionType, type)):
            module = getattr(found, "__module__", None)
            if id(found) in forbidden or (module is not None and not allowed(module, owners)):
                refuse(name, "'%s.%s'" % (module, getattr(found, "__qualname__", name)))
        return found

    return attribute


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
    safe[ATTRIBUTE_GUARD] = attribute_guard(allowed_imports, local_modules)
    safe["__build_class__"] = builtins.__build_class__  # class statements
    safe["__name__"] = "__script__"
    return safe
