"""What candidate code finds in place of the interpreter's own: an audit-hook tripwire, guarded
builtins and a capped standard output.

These are the in-process layers, the earliest to notice a forbidden operation and the only
ones that can name it; the kernel's layers (lockdown.py) stop whatever gets past them. Runs
only inside the sandbox, where it imports its siblings as top-level modules.

Candidate code cannot switch the tripwire off, even with static validation off and every
module in reach. The hook is referred to by nothing but the interpreter's list of hooks.
It is a closure over values that cannot be changed (built-in functions and types, numbers,
strings, a frozen set, a compiled pattern, the candidate's code object) and two functions
of this module that look nothing up when they run: all they use is bound in their
defaults, and changing a function's defaults or code is an audit event the hook refuses.
It keeps no state from one event to the next, so there is no moment when it looks away;
what it reads to decide raises no audit event; it calls no candidate code; and it refuses
to hand out frames. Code that runs while the hook is on the stack (a signal handler is
given the frame it interrupted; a garbage-collector callback) may see the hook's frame,
and finds nothing there it could swap.
"""

import json
import os
import re
import struct
import sys

from protocol import FAILURE, HEADER, Channel
from shared_rules import ALLOWED_MODULES, FORBIDDEN_BUILTINS


def violation_message(detail: str, quote=json.encoder.encode_basestring_ascii, pack=struct.pack,
                      header=HEADER.format, kind=FAILURE, size=len) -> bytes:
    """The FAILURE message that reports a forbidden operation, header included."""
    body = ('{"category": "violation", "message": ' + quote("forbidden operation: " + detail) + "}").encode()
    return pack(header, kind, size(body)) + body


def describe(event: str, args: tuple, kind=type, text=repr, string=str, raw=bytes, integer=int) -> str:
    """The event and its first plain argument (the path, the module, the attribute name),
    without running any candidate code: only exact built-in types are shown."""
    for value in args:
        value_type = kind(value)
        if value_type is string or value_type is raw or value_type is integer and -(1 << 64) < value < 1 << 64:
            return event + " " + text(value)[:120]
    return event


def violation_reporter(channel: Channel):
    """A function that reports a violation on the channel and ends the process; for the
    guarded builtins, which are the candidate's own to change."""
    write, exit_, fd, message = os.write, os._exit, channel.write_fd, violation_message

    def report(detail: str) -> None:
        try:
            write(fd, message(detail))  # one small write: a pipe takes it whole
        finally:
            exit_(0)

    return report


# collections.namedtuple (and typing.NamedTuple) builds each class's __new__ by evaluating
# this template: a lambda that makes a tuple. Field names are identifiers it has checked.
NAMEDTUPLE_TEMPLATE = re.compile(rb"lambda _cls, ([A-Za-z][A-Za-z0-9_]*(, [A-Za-z][A-Za-z0-9_]*)*,?)?: "
                                 rb"_tuple_new\(_cls, \(\1\)\)")


def install_tripwire(channel: Channel, own_code) -> None:
    """An audit hook that ends the child at the first forbidden operation.

    It is the earliest layer, not the boundary: it names what was attempted, and the
    layers below stop whatever gets past it. What the standard library does on the
    candidate's behalf for a named tuple or a TypeVar passes: imports of allowed modules,
    the named tuple template's compilation and evaluation, the new class's module, name and
    tuple base, and its __new__'s defaults. A request for a frame (sys._getframe, by which
    namedtuple and typing look for their caller's module name) fails with ValueError, as on
    an interpreter without frames; those helpers then do without.
    """
    write, exit_, fd, message, describe_ = os.write, os._exit, channel.write_fd, violation_message, describe
    kind, size, allowed, template = type, len, ALLOWED_MODULES, NAMEDTUPLE_TEMPLATE.fullmatch
    string, raw, pair, mapping, no_frames = str, bytes, tuple, dict, ValueError
    code_type, function_type = type(own_code), type(install_tripwire)

    def tripwire(event: str, args: tuple) -> None:
        # Only exact built-in types are compared, so that no candidate __eq__ runs in here.
        if event == "import" and args and kind(args[0]) is string and args[0].partition(".")[0] in allowed:
            return
        if event == "compile" and size(args) == 2 and kind(args[0]) is raw and template(args[0]) \
                and kind(args[1]) is string and args[1] == "<string>":
            return
        # Code from "<string>" is the template's: any other compilation trips above, and so does
        # reading a code object off a function, a frame or a generator.
        if event == "exec" and args and kind(args[0]) is code_type and (
                args[0] is own_code or args[0].co_filename == "<string>"):
            return
        if event == "sys._getframe":
            del args  # what the hook's frame holds while the refusal propagates
            raise no_frames("frames are not available in the sandbox")
        if event == "object.__setattr__" and size(args) == 3 and kind(args[1]) is string and (
                args[1] == "__module__" and kind(args[2]) is string
                or args[1] == "__qualname__" and kind(args[2]) is string
                or args[1] == "__bases__" and kind(args[2]) is pair and size(args[2]) == 1 and args[2][0] is pair
                # the template's lambda, whose globals name no builtins at all
                or args[1] == "__defaults__" and kind(args[0]) is function_type
                and kind(args[0].__builtins__) is mapping and not size(args[0].__builtins__)):
            return
        try:
            write(fd, message(describe_(event, args)))  # one small write: a pipe takes it whole
        finally:
            exit_(0)

    sys.addaudithook(tripwire)


def guarded_builtins(channel: Channel) -> dict:
    """The candidate's builtins: imports limited to the allow-list, dangerous functions trip."""
    import builtins

    guarded = dict(vars(builtins))
    real_import = builtins.__import__
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
