"""Static validation of candidate source: the first of the sandbox's layers, with reasons.

It reads the very string that will run. It is a tripwire for the obvious, not the
boundary: the operating system (see pipeline.py) is what contains a candidate that
gets past it. The allow-list and forbidden builtins live with the program inside the sandbox
(inside/shared_rules.py), whose guards enforce them again at run time.
"""

from __future__ import annotations

import ast
import re

from runner.sandbox.inside.shared_rules import ALLOWED_MODULES, ALLOWED_SUBMODULES, FORBIDDEN_BUILTINS

MAX_SOURCE_BYTES = 64 * 1024

# Attributes that reach files, processes, other modules or interpreter internals without a
# leading underscore: numpy and OpenCV file I/O, modules that allowed modules hand out as
# plain attributes (lzma.os, typing.sys, json.codecs), and frame/code objects.
FORBIDDEN_ATTRIBUTES = frozenset({
    # modules reachable as attributes
    "os", "sys", "io", "codecs", "builtins", "importlib", "subprocess", "socket", "shutil",
    "pathlib", "ctypes", "ctypeslib", "types", "inspect", "gc", "weakref", "pickle", "mmap",
    "threading", "multiprocessing", "signal", "resource", "tempfile", "platform", "warnings",
    "re", "abc", "enum", "operator", "copyreg", "marshal", "atexit", "traceback", "linecache",
    # numpy file and process access
    "open", "load", "save", "savez", "savez_compressed", "savetxt", "loadtxt", "fromfile",
    "tofile", "memmap", "genfromtxt", "fromregex", "DataSource", "lib", "dump", "testing", "f2py", "distutils",
    "show_config", "npyio", "recfromcsv", "recfromtxt", "open_memmap",
    # OpenCV file, network and device access
    "imread", "imreadmulti", "imreadanimation", "imwrite", "imwritemulti", "imwriteanimation",
    "haveImageReader", "haveImageWriter", "VideoCapture", "VideoWriter", "FileStorage",
    "FileNode", "dnn", "CascadeClassifier", "HOGDescriptor", "utils", "samples",
    "ml", "gapi", "setLogLevel", "redirectError", "setNumThreads", "ocl", "cuda", "Algorithm",
    "writeOpticalFlow", "readOpticalFlow", "FaceDetectorYN", "FaceRecognizerSF",
    "QRCodeDetector", "VideoCapture_create", "load_config_py2", "load_config_py3",
    # frames, code objects and interpreter internals
    "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await", "ag_frame",
    "ag_code", "ag_await", "tb_frame", "tb_next", "f_back", "f_globals", "f_locals",
    "f_builtins", "f_code", "f_trace", "func_globals", "func_code", "co_code", "co_consts",
    # attribute access by a string, or code in a string: functools copies any named
    # attribute (update_wrapper(x, f, updated=("__globals__",))), typing evaluates
    # annotations (get_type_hints, and singledispatch through it)
    "update_wrapper", "wraps", "get_type_hints", "singledispatch", "singledispatchmethod",
    # more modules reachable as attributes (typing.contextlib, typing.stdlib_re, cv2.mat_wrapper.cv)
    "contextlib", "stdlib_re", "chdir", "redirect_stdout", "redirect_stderr", "mat_wrapper",
    # more files: compressed file objects, numpy's text records, OpenCV's loader (bootstrap
    # re-runs its config files) and every OpenCV function or method that takes a file name
    "BZ2File", "LZMAFile", "mrecords", "fromtextfile", "openfile", "read", "write", "bootstrap",
    "imcount", "imreadWithMetadata", "imwriteWithMetadata", "IStreamReader",
    "VideoCapture_waitAny", "startWindowThread", "saveMesh", "loadMesh", "savePointCloud",
    "loadPointCloud", "loadChromaticAberrationParams", "dumpToFile", "dumpToPbtxt",
    "writeTextGraph", "Tokenizer_load", "readFromModelOptimizer", "FontFace", "ANNIndex",
    "ANNIndex_create", "setOnDiskBuild", "ALIKED", "ALIKED_create", "DISK", "DISK_create",
    "LightGlueMatcher", "LightGlueMatcher_create", "FaceDetectorYN_create",
    "FaceRecognizerSF_create", "getCacheDirectoryForDownloads",
})

# OpenCV also exposes its submodules' classes flat (cv2.dnn_Net, cv2.TrackerVit_create...);
# the model-loading families are refused by prefix.
FORBIDDEN_ATTRIBUTE_PREFIXES = ("dnn_", "ml_", "utils_", "samples_", "cuda_", "ocl_", "Tracker")

# Special methods a class may define: ordinary behaviour, nothing that runs at class creation,
# on attribute lookup, on pickling or at garbage collection.
SAFE_SPECIAL_METHODS = frozenset({
    "__init__", "__call__", "__len__", "__iter__", "__next__", "__getitem__", "__setitem__",
    "__contains__", "__repr__", "__str__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__",
    "__ge__", "__hash__", "__bool__", "__add__", "__sub__", "__mul__", "__enter__", "__exit__",
})

_FORMAT_METHODS = frozenset({"format", "format_map"})

_CODING_DECLARATION = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+", re.MULTILINE)

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
        reasons = _Checker().check(tree)
    except RecursionError:
        return ["source is too deeply nested to check"]
    reasons.extend(_check_functions(tree))
    return reasons


class _Checker(ast.NodeVisitor):
    def check(self, tree: ast.AST) -> list[str]:
        self.reasons: list[str] = []
        self.methods: set[ast.FunctionDef] = set()  # functions defined directly in a class body
        self.visit(tree)
        return self.reasons

    def _refuse(self, node: ast.AST, text: str) -> None:
        self.reasons.append(f"line {getattr(node, 'lineno', '?')}: {text}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check_module(node, alias.name)
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            self._refuse(node, "relative imports are not allowed")
        else:
            self._check_module(node, node.module or "")
            for alias in node.names:
                if alias.name == "*":
                    self._refuse(node, f"'from {node.module} import *' is not allowed")
                elif _forbidden_attribute(alias.name):
                    self._refuse(node, f"importing {alias.name!r} from {node.module} is not allowed")
        self.generic_visit(node)

    def _check_module(self, node: ast.AST, name: str) -> None:
        top, _, rest = name.partition(".")
        if top not in ALLOWED_MODULES:
            self._refuse(node, f"import of {name!r} is not allowed (allowed: {', '.join(sorted(ALLOWED_MODULES))})")
        elif rest and name not in ALLOWED_SUBMODULES:
            allowed = ", ".join(sorted(ALLOWED_SUBMODULES))
            self._refuse(node, f"import of {name!r} is not allowed (allowed submodules: {allowed})")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._check_attribute(node, node.attr)
        # A format string reaches attributes by name ("{0.__class__}"), so only a literal one
        # (checked in visit_Constant) may be formatted.
        literal = isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        if node.attr in _FORMAT_METHODS and not literal:
            self._refuse(node, f"'.{node.attr}' is only allowed on a string literal")
        self.generic_visit(node)

    def _check_attribute(self, node: ast.AST, name: str) -> None:
        if name.startswith("_"):
            self._refuse(node, f"attribute {name!r} is not allowed (no attribute may start with '_')")
        elif _forbidden_attribute(name):
            self._refuse(node, f"attribute {name!r} is not allowed (file, process or interpreter access)")

    def visit_MatchClass(self, node: ast.MatchClass) -> None:
        # `case object(__class__=c)` reads an attribute without an Attribute node.
        for name in node.kwd_attrs:
            self._check_attribute(node, name)
        self.generic_visit(node)

    def visit_MatchAs(self, node) -> None:
        if node.name:
            self._check_definition(node, node.name)
        self.generic_visit(node)

    visit_MatchStar = visit_MatchAs

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self._check_definition(node, node.rest)
        self.generic_visit(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._check_definition(node, node.name)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        # type(name, bases, namespace) makes a class whose namespace keys are strings, such as
        # "__array_interface__" (numpy then reads memory at any address).
        if isinstance(node.func, ast.Name) and node.func.id == "type" and len(node.args) + len(node.keywords) != 1:
            self._refuse(node, "type() with more than one argument (building a class) is not allowed")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id.startswith("__"):
            self._refuse(node, f"name {node.id!r} is not allowed (no name may start with '__')")
        elif node.id in FORBIDDEN_BUILTINS:
            self._refuse(node, f"{node.id!r} is not allowed")
        self.generic_visit(node)

    def visit_alias(self, node: ast.alias) -> None:
        if node.asname and node.asname.startswith("__"):
            self._refuse(node, f"name {node.asname!r} is not allowed")

    def _check_definition(self, node, name: str) -> None:
        if name.startswith("__"):
            self._refuse(node, f"name {name!r} is not allowed (no name may start with '__')")
        elif name in FORBIDDEN_BUILTINS:
            self._refuse(node, f"defining {name!r} is not allowed")

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

    def visit_Constant(self, node: ast.Constant) -> None:
        if not isinstance(node.value, str):
            return
        # Format strings reach attributes by name: "{0.__class__}".format(x).
        if re.search(r"\{[^{}]*[.\[]\s*_", node.value):
            self._refuse(node, "a format string that reaches an attribute starting with '_' is not allowed")
        # Special names as strings are how code names what it may not write: hasattr(f,
        # "__globals__"), a class namespace {"__array_interface__": ...}.
        elif node.value.isidentifier() and node.value.startswith("__"):
            self._refuse(node, f"the string {node.value!r} names a special attribute; not allowed")

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        self.generic_visit(node)

    def visit_AsyncWith(self, node) -> None:
        self._refuse(node, "async code is not allowed")

    visit_AsyncFor = visit_Await = visit_AsyncWith


def _forbidden_attribute(name: str) -> bool:
    return name.startswith("_") or name in FORBIDDEN_ATTRIBUTES or name.startswith(FORBIDDEN_ATTRIBUTE_PREFIXES)


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
