"""What candidate code finds in place of the interpreter's own: an audit-hook tripwire, guarded
builtins and a capped standard output.

These are the in-process layers, the earliest to notice a forbidden operation and the only
ones that can name it; the kernel's layers (lockdown.py) stop whatever gets past them. Runs
only inside the sandbox, where it imports its siblings as top-level modules.
"""

import json
import os
import re
import sys

from protocol import FAILURE, HEADER, Channel
from shared_rules import ALLOWED_MODULES, FORBIDDEN_BUILTINS


def violation_reporter(channel: Channel):
    """A function that reports a violation on the channel and ends the process.

    Everything it calls is bound now rather than looked up when it runs, so that candidate
    code which reaches this module's globals, os's or json's cannot turn it into a no-op.
    """
    write, exit_, pack, size = os.write, os._exit, HEADER.pack, len
    quote, fd, kind = json.encoder.encode_basestring_ascii, channel.write_fd, FAILURE

    def report(detail: str) -> None:
        try:
            body = ('{"category": "violation", "message": ' + quote("forbidden operation: " + detail) + "}").encode()
            write(fd, pack(kind, size(body)) + body)  # one small write: a pipe takes it whole
        finally:
            exit_(0)

    return report


def describe(event: str, args, kind=type, text=repr, plain=(str, bytes, int)) -> str:
    """The event and its first argument, without running any candidate code (a __repr__, a
    metaclass __eq__): only exact built-in types are shown."""
    if args:
        argument_type = kind(args[0])
        if argument_type is plain[0] or argument_type is plain[1] or argument_type is plain[2]:
            return event + " " + text(args[0])[:120]
    return event


# collections.namedtuple (and typing.NamedTuple) builds each class's __new__ by evaluating
# this template: a lambda that makes a tuple. Field names are identifiers it has checked.
NAMEDTUPLE_TEMPLATE = re.compile(rb"lambda _cls, ([A-Za-z][A-Za-z0-9_]*(, [A-Za-z][A-Za-z0-9_]*)*,?)?: "
                                 rb"_tuple_new\(_cls, \(\1\)\)")


def install_tripwire(channel: Channel, own_code) -> None:
    """An audit hook that ends the child at the first forbidden operation.

    It is the earliest layer, not the boundary: it names what was attempted, and the
    layers below stop whatever gets past it. What the standard library does on the
    candidate's behalf for a named tuple or a TypeVar passes: the named tuple template's
    compilation and its one evaluation, that lambda's defaults, a look at the candidate's
    own frame for its module name, and the new class's module, name and tuple base.
    """
    report, describe_, allowed, kind = violation_reporter(channel), describe, ALLOWED_MODULES, type
    template, own_file, frame_type, function_type = (
        NAMEDTUPLE_TEMPLATE.fullmatch, own_code.co_filename, type(sys._getframe()), type(install_tripwire))
    template_compiled = [False]  # its evaluation, the next exec, may pass once
    looking = [False]

    def file_of(frame_or_function) -> str:
        """Where its code was compiled from. Reading that is an audit event too: the hook's own."""
        looking[0] = True
        try:
            code = frame_or_function.f_code if kind(frame_or_function) is frame_type else frame_or_function.__code__
            return code.co_filename
        finally:
            looking[0] = False

    def tripwire(event: str, args) -> None:
        if looking[0] or event == "exec" and args and args[0] is own_code:
            return
        if event == "import" and args and kind(args[0]) is str and args[0].partition(".")[0] in allowed:
            return
        # Only exact built-in types are compared, so that no candidate __eq__ runs in here.
        if event == "compile" and len(args) == 2 and kind(args[0]) is bytes and template(args[0]) \
                and kind(args[1]) is str and args[1] == "<string>":
            template_compiled[0] = True
            return
        if event == "exec" and template_compiled[0] and args and args[0].co_filename == "<string>":
            template_compiled[0] = False
            return
        if event == "sys._getframe" and args and kind(args[0]) is frame_type and file_of(args[0]) == own_file:
            return
        if event == "object.__setattr__" and len(args) == 3 and kind(args[1]) is str and (
                args[1] == "__module__" and kind(args[2]) is str and args[2] == "candidate"
                or args[1] == "__qualname__" and kind(args[2]) is str
                or args[1] == "__bases__" and kind(args[2]) is tuple and len(args[2]) == 1 and args[2][0] is tuple
                or args[1] == "__defaults__" and kind(args[0]) is function_type and file_of(args[0]) == "<string>"):
            return
        report(describe_(event, args))

    sys.addaudithook(tripwire)


def guarded_builtins(channel: Channel) -> dict:
    """The candidate's builtins: imports limited to the allow-list, dangerous functions trip."""
    import builtins

    guarded = dict(vars(builtins))
    real_import = builtins.__import__
    # Its own reporter, apart from the tripwire's, and everything bound now as there.
    report, describe_, allowed, kind = violation_reporter(channel), describe, ALLOWED_MODULES, type

    def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        if kind(name) is not str or level or name.partition(".")[0] not in allowed:
            report(describe_("import", (name,)))
        return real_import(name, globals, locals, fromlist, level)

    def refuse(name):
        return lambda *args, **kwargs: report(describe_(name, args))

    guarded.update({name: refuse(name) for name in FORBIDDEN_BUILTINS})
    guarded["__import__"] = guarded_import
    return guarded


class CappedOutput:
    """Stands in for sys.stdout/sys.stderr: keeps the first bytes printed, drops the rest."""

    def __init__(self, limit: int):
        self.limit, self.total = limit, 0
        self.kept: list[str] = []

    def write(self, text) -> int:
        text = str(text)
        if self.total < self.limit:
            self.kept.append(text[: self.limit - self.total])
        self.total += len(text)
        return len(text)

    def flush(self) -> None:
        pass

    def text(self) -> str:
        return "".join(self.kept)

