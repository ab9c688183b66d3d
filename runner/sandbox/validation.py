"""Static validation of candidate source: the first of the sandbox's layers, with reasons.

It reads the very string that will run, and judges what the code means rather than how it
is spelled: a module may only be used through the attributes on its allow-list
(allowed_names.py), and a name bound to a module or to `type` cannot be passed on under
another name, so an alias reaches nothing the original could not; format strings are
parsed field by field; a class pattern may only match a plain built-in type. It is the
first layer, not the boundary: the operating system (see pipeline.py) contains a
candidate that gets past it. The import allow-list and the forbidden builtins live with
the program inside the sandbox (inside/shared_rules.py), whose guards enforce them again at
run time.
"""

from __future__ import annotations

import ast
import builtins
import re
import string

from runner.sandbox.allowed_names import (
    ALLOWED_BUILTINS,
    MODULE_ATTRIBUTES,
    PATTERN_TYPES,
    SEEDED_GENERATORS,
    module_attribute_allowed,
)
from runner.sandbox.inside.shared_rules import ALLOWED_MODULES, ALLOWED_SUBMODULES, FORBIDDEN_BUILTINS

MAX_SOURCE_BYTES = 64 * 1024

# Attributes no value may be asked for, whatever it is (a module's are checked against its
# allow-list instead): frames, code and the objects that lead to them; the methods by which
# numpy and OpenCV objects read or write files or hand out raw memory; modules as attributes.
FORBIDDEN_ATTRIBUTES = frozenset({
    "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await", "ag_frame", "ag_code",
    "ag_await", "tb_frame", "tb_next", "f_back", "f_globals", "f_locals", "f_builtins", "f_code", "f_trace",
    "co_code", "co_consts",
    "tofile", "dump", "ctypes", "cffi", "save", "load", "write", "read", "open", "os", "sys", "builtins",
})

# Special methods a class may define: ordinary behaviour, nothing that runs at class creation,
# on attribute lookup, on pickling or at garbage collection.
SAFE_SPECIAL_METHODS = frozenset({
    "__init__", "__call__", "__len__", "__iter__", "__next__", "__getitem__", "__setitem__",
    "__contains__", "__repr__", "__str__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__",
    "__ge__", "__hash__", "__bool__", "__add__", "__sub__", "__mul__", "__enter__", "__exit__",
})

# Builtins candidate code may neither use nor bind, so that a name always means one thing
# (special names such as __import__ are refused with every other name starting with "__").
REFUSED_BUILTINS = frozenset(name for name in vars(builtins) if not name.startswith("_")) - ALLOWED_BUILTINS \
    | FORBIDDEN_BUILTINS

_CODING_DECLARATION = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+", re.MULTILINE)
_PLAIN_FIELD = re.compile(r"[0-9]*")  # {} or {0}; a keyword field {name} is an identifier

REQUIRED_FUNCTIONS = {
    "compress_video_frame": ("frame", "frame_index", "config"),
    "decompress_video_frame": ("data", "frame_index", "config"),
}


def validate(source: str) -> list[str]:
    """The reasons this source may not run; an empty list means it passed."""
    if not isinstance(source, str):
        return ["source is not text"]
    try:
        raw = source.encode("utf-8")
    except UnicodeEncodeError:
        return ["source is not valid UTF-8 text"]
    if len(raw) > MAX_SOURCE_BYTES:
        return [f"source is {len(raw)} bytes; the limit is {MAX_SOURCE_BYTES}"]
    if "\x00" in source:
        return ["source contains a NUL character"]
    # Only the first two lines can carry a coding declaration; refuse any, so that the text
    # validated is the text that runs.
    head = b"\n".join(raw.splitlines()[:2])
    if _CODING_DECLARATION.search(head):
        return ["source has a coding declaration; candidates are plain UTF-8"]
    try:
        tree = ast.parse(source, filename="<candidate>", mode="exec")
    except SyntaxError as error:
        return [f"syntax error at line {error.lineno}: {error.msg}"]
    except (RecursionError, MemoryError, ValueError):
        return ["source is too deeply nested to parse"]
    try:
        reasons = _Checker(tree).check()
    except RecursionError:
        return ["source is too deeply nested to check"]
    reasons.extend(_check_functions(tree))
    return reasons


class _Checker(ast.NodeVisitor):
    def __init__(self, tree: ast.Module):
        self.tree = tree
        self.reasons: list[str] = []
        self.methods: set[ast.FunctionDef] = set()  # functions defined directly in a class body
        # What the checks need to know about the whole module first: the names bound to modules,
        # and the places where an expression is used (as an attribute's base, called, compared).
        self.modules: dict[str, str] = {}
        self.imported: dict[str, str] = {}  # a name bound by `from module import name` -> module.name
        self.bases: set[int] = set()
        self.callees: set[int] = set()
        self.compared: set[int] = set()

    def check(self) -> list[str]:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Attribute):
                self.bases.add(id(node.value))
            elif isinstance(node, ast.Call):
                self.callees.add(id(node.func))
                if isinstance(node.func, ast.Name) and node.func.id in ("isinstance", "issubclass") and node.args:
                    kinds = node.args[-1]
                    self.compared.update(id(kind) for kind in (kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]))
            elif isinstance(node, ast.Compare):
                self.compared.update(id(operand) for operand in [node.left, *node.comparators])
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                self._bind_modules(node)
        self.visit(self.tree)
        return self.reasons

    def _refuse(self, node: ast.AST, text: str) -> None:
        self.reasons.append(f"line {getattr(node, 'lineno', '?')}: {text}")

    # --- imports and the names bound to modules --------------------------------------------

    def _bind_modules(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            if isinstance(node, ast.Import):
                name = alias.asname or alias.name.partition(".")[0]
                module = alias.name if alias.asname else name
            elif not node.level:
                name, module = alias.asname or alias.name, f"{node.module}.{alias.name}"
                self.imported[name] = module
            else:
                continue  # refused anyway
            if module in MODULE_ATTRIBUTES and self.modules.setdefault(name, module) != module:
                self._refuse(node, f"name {name!r} is bound to two modules ({self.modules[name]} and {module})")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check_module(node, alias.name)
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            self._refuse(node, "relative imports are not allowed")
        elif self._check_module(node, module := node.module or ""):
            for alias in node.names:
                if alias.name == "*":
                    self._refuse(node, f"'from {module} import *' is not allowed")
                elif not module_attribute_allowed(module, alias.name):
                    self._refuse(node, f"importing {alias.name!r} from {module} is not allowed "
                                       f"(not on {module}'s allow-list)")
                elif f"{node.module}.{alias.name}" not in MODULE_ATTRIBUTES:
                    self._check_definition(node, alias.asname or alias.name)
        self.generic_visit(node)

    def _check_module(self, node: ast.AST, name: str) -> bool:
        top, _, rest = name.partition(".")
        if top not in ALLOWED_MODULES:
            self._refuse(node, f"import of {name!r} is not allowed (allowed: {', '.join(sorted(ALLOWED_MODULES))})")
        elif rest and name not in ALLOWED_SUBMODULES:
            allowed = ", ".join(sorted(ALLOWED_SUBMODULES))
            self._refuse(node, f"import of {name!r} is not allowed (allowed submodules: {allowed})")
        else:
            return True
        return False

    def visit_alias(self, node: ast.alias) -> None:
        if node.asname and node.asname.startswith("__"):
            self._refuse(node, f"name {node.asname!r} is not allowed")

    def _module_of(self, node: ast.expr) -> str | None:
        """The allowed module this expression names (np, np.random), if it names one."""
        if isinstance(node, ast.Name):
            return self.modules.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self._module_of(node.value)
            if base is not None and f"{base}.{node.attr}" in MODULE_ATTRIBUTES:
                return f"{base}.{node.attr}"
        return None

    # --- attributes --------------------------------------------------------------------------

    def visit_Attribute(self, node: ast.Attribute) -> None:
        module = self._module_of(node.value)
        if module is not None:
            self._check_module_attribute(node, module)
        else:
            self._check_attribute(node, node.attr)
            if node.attr == "format_map":
                self._refuse(node, "'.format_map' is not allowed (its fields can reach any attribute of the "
                                   "mapping's values)")
            elif node.attr == "format":
                self._check_format(node)
        self.generic_visit(node)

    def _check_module_attribute(self, node: ast.Attribute, module: str) -> None:
        name = node.attr
        if not module_attribute_allowed(module, name):
            self._refuse(node, f"attribute {name!r} of {module} is not allowed (not on {module}'s allow-list)")
        elif not isinstance(node.ctx, ast.Load):
            self._refuse(node, f"assigning {module}.{name} is not allowed (modules are read-only)")
        elif f"{module}.{name}" in MODULE_ATTRIBUTES and id(node) not in self.bases:
            self._refuse(node, f"module {module}.{name} may only be used through its attributes")

    def _check_attribute(self, node: ast.AST, name: str) -> None:
        if name.startswith("_"):
            self._refuse(node, f"attribute {name!r} is not allowed (no attribute may start with '_')")
        elif name in FORBIDDEN_ATTRIBUTES:
            self._refuse(node, f"attribute {name!r} is not allowed (file, process or interpreter access)")

    def _check_format(self, node: ast.Attribute) -> None:
        """str.format reads attributes and items by name ("{0.__class__}", "{0[key]}"): only a
        literal with plain fields ({}, {0}, {name}, each with any format spec) may be formatted."""
        if not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            self._refuse(node, "'.format' is only allowed on a string literal")
            return
        try:
            fields = _format_fields(node.value.value)
        except ValueError as error:
            self._refuse(node, f"format string cannot be parsed: {error}")
            return
        for field in fields:
            if not (_PLAIN_FIELD.fullmatch(field) or field.isidentifier()):
                self._refuse(node, f"format string field {{{field}}} is not allowed (only plain fields such as "
                                   "{}, {0} or {name}: no attribute or index access)")

    # --- names -------------------------------------------------------------------------------

    def visit_Name(self, node: ast.Name) -> None:
        name = node.id
        if name.startswith("__"):
            self._refuse(node, f"name {name!r} is not allowed (no name may start with '__')")
        elif name in REFUSED_BUILTINS:
            self._refuse(node, f"{name!r} is not allowed (a builtin candidate code may not use)")
        elif not isinstance(node.ctx, ast.Load):
            self._check_definition(node, name)
        elif name in self.modules and id(node) not in self.bases:
            self._refuse(node, f"module {self.modules[name]} may only be used through its attributes "
                               f"({name}.<attribute>), not passed on as {name!r}")
        elif name == "type" and id(node) not in self.callees:
            self._refuse(node, "'type' may only be called, as type(value) in a comparison (it also makes classes)")

    def visit_Call(self, node: ast.Call) -> None:
        # type(name, bases, namespace) makes a class whose namespace keys are computed strings,
        # such as "__array_interface__" (numpy then maps any address), and type(cls) is type
        # itself; so type() takes one plain argument and its result is only compared.
        if isinstance(node.func, ast.Name) and node.func.id == "type":
            if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
                self._refuse(node, "type() may only be called with one plain argument (with three it builds a class)")
            elif id(node) not in self.compared:
                self._refuse(node, "type(value) may only be compared (type(x) is int): it can return a class-making "
                                   "type")
        called = self._qualified(node.func)
        if called in SEEDED_GENERATORS and not node.keywords and not any(
                not isinstance(argument, ast.Starred) for argument in node.args):
            self._refuse(node, f"{called}() without a seed draws the machine's entropy: give it a seed (a codec's "
                               "output must be a function of its input)")
        self.generic_visit(node)

    def _qualified(self, node: ast.expr) -> str | None:
        """module.name for an expression that names an attribute of an allowed module, if it does."""
        if isinstance(node, ast.Name):
            return self.imported.get(node.id)
        if isinstance(node, ast.Attribute):
            module = self._module_of(node.value)
            return None if module is None else f"{module}.{node.attr}"
        return None

    def _check_definition(self, node: ast.AST, name: str) -> None:
        if name.startswith("__"):
            self._refuse(node, f"name {name!r} is not allowed (no name may start with '__')")
        elif name in REFUSED_BUILTINS or name == "type":
            self._refuse(node, f"defining {name!r} is not allowed (a builtin; choose another name)")
        elif name in self.modules:
            self._refuse(node, f"name {name!r} is bound to module {self.modules[name]}; it may not be rebound")

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if not (node.name in SAFE_SPECIAL_METHODS and node in self.methods):
            self._check_definition(node, node.name)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._check_definition(node, node.name)
        if node.keywords:
            self._refuse(node, "class keywords (metaclasses) are not allowed")
        self.methods.update(statement for statement in node.body if isinstance(statement, ast.FunctionDef))
        self.generic_visit(node)

    def visit_arg(self, node: ast.arg) -> None:
        self._check_definition(node, node.arg)
        self.generic_visit(node)

    def visit_keyword(self, node: ast.keyword) -> None:
        if node.arg and node.arg.startswith("__"):
            self._refuse(node, f"keyword {node.arg!r} is not allowed")
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global | ast.Nonlocal) -> None:
        for name in node.names:
            self._check_definition(node, name)

    visit_Nonlocal = visit_Global

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._check_definition(node, node.name)
        self.generic_visit(node)

    # --- match statements --------------------------------------------------------------------

    def visit_MatchClass(self, node: ast.MatchClass) -> None:
        # A class pattern reads attributes without an Attribute node: `case object(__class__=c)`,
        # or any attribute of a module matched against `object`.
        if not (isinstance(node.cls, ast.Name) and node.cls.id in PATTERN_TYPES):
            self._refuse(node, f"class pattern {ast.unparse(node.cls)}(...) is not allowed (only plain built-in "
                               f"types: {', '.join(sorted(PATTERN_TYPES))})")
        for name in node.kwd_attrs:
            self._check_attribute(node, name)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs | ast.MatchStar) -> None:
        if node.name:
            self._check_definition(node, node.name)
        self.generic_visit(node)

    visit_MatchStar = visit_MatchAs

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self._check_definition(node, node.rest)
        self.generic_visit(node)

    # --- literals and async code -------------------------------------------------------------

    def visit_Constant(self, node: ast.Constant) -> None:
        # Special names as strings are how code names what it may not write: a class namespace
        # {"__array_interface__": ...}, a name for a string-based lookup.
        if isinstance(node.value, str) and node.value.isidentifier() and node.value.startswith("__"):
            self._refuse(node, f"the string {node.value!r} names a special attribute; not allowed")

    def visit_AsyncWith(self, node) -> None:
        self._refuse(node, "async code is not allowed")

    visit_AsyncFor = visit_Await = visit_AsyncWith


def _format_fields(template: str) -> list[str]:
    """Every replacement field's name in a str.format template, those nested in format specs too."""
    fields = []
    for _, field, spec, _ in string.Formatter().parse(template):
        if field is not None:
            fields.append(field)
            fields.extend(_format_fields(spec or ""))
    return fields


def _check_functions(tree: ast.Module) -> list[str]:
    reasons = []
    defined = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    for name, parameters in REQUIRED_FUNCTIONS.items():
        signature = f"{name}({', '.join(parameters)})"
        function = defined.get(name)
        if function is None:
            reasons.append(f"missing top-level function {signature}")
            continue
        arguments = function.args
        positional = len(arguments.posonlyargs) + len(arguments.args)
        required = positional - len(arguments.defaults)
        takes_three = positional >= len(parameters) or arguments.vararg is not None
        keywords_have_defaults = all(default is not None for default in arguments.kw_defaults)
        if not (takes_three and required <= len(parameters) and keywords_have_defaults):
            reasons.append(f"{name} must be callable as {signature}")
    return reasons
