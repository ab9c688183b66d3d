"""The candidate rules enforced on both sides: what may be imported and which builtins may not be called.

Static validation on the host (runner/sandbox/validation.py) reads them to refuse source;
the guards inside the sandbox (tripwire.py) read the very same names at run time. Their one
home is here because the program inside cannot import the rest of the project.
"""

import importlib
import sys

ALLOWED_MODULES = frozenset({
    "numpy", "cv2", "math", "json", "struct", "base64", "typing", "zlib", "lzma", "bz2",
    "itertools", "functools", "collections", "heapq", "bisect", "constriction",
})

# Submodules that may be imported by name. Importing runs a module's code, and numpy ships
# modules that read files (numpy.ma.mrecords) or its own test suite, so these are listed too.
# Static validation checks them; the fork server imports every one of them ahead (a child
# cannot read a module's file), so at run time the guards inside check the top-level name.
# (numpy.emath is an attribute of numpy, not a module that can be imported by name.)
ALLOWED_SUBMODULES = frozenset({
    "numpy.fft", "numpy.linalg", "numpy.random", "numpy.polynomial", "numpy.typing", "numpy.ma",
    "numpy.char", "numpy.strings", "numpy.rec", "numpy.dtypes", "numpy.exceptions",
    "json.decoder", "json.encoder", "cv2.typing",
    "constriction.stream", "constriction.stream.model", "constriction.stream.queue", "constriction.stream.stack",
})


def register_compiled_submodules() -> None:
    """Make constriction's allowed submodules importable by their names.

    constriction builds them inside one compiled extension and never registers them, so
    constriction.stream.model exists while `import constriction.stream.model` fails; each is
    registered as the very object its parent hands out. The host calls this (allowed_names.py)
    and so does the fork server before it imports the allowed modules ahead (worker.py).
    """
    for name in sorted(ALLOWED_SUBMODULES):  # parents sort before their children
        if name.startswith("constriction."):
            parent, _, child = name.rpartition(".")
            sys.modules.setdefault(name, getattr(importlib.import_module(parent), child))


# Builtins candidate code may not call (nor, statically, name). __import__ is not among them:
# inside it is replaced by an import limited to ALLOWED_MODULES, and validation refuses the
# name along with every other name that starts with "__".
FORBIDDEN_BUILTINS = frozenset({
    "open", "exec", "eval", "compile", "getattr", "setattr", "delattr", "globals", "locals", "vars",
    "breakpoint", "input", "help", "exit", "quit",
})
