"""The program inside the sandbox: a fork server that runs one candidate role per child.

It is started by fork_server.py (under bubblewrap where present) and imports nothing from
the project: only this file is visible inside. It reads its settings, imports numpy and
cv2 once, then keeps one child forked ahead of time. The child locks itself down
(resource limits, Landlock, seccomp) before any job arrives, so that none of that is on
the host's clock; then it reads one job, adds an audit-hook tripwire, loads the candidate
and serves frames over the framed pipe protocol below. The parent never runs candidate
code, so no candidate sees another's.

Protocol, both directions: a header struct.pack("<cQ", kind, length), then the payload.
"""

import ctypes
import gc
import json
import os
import re
import signal
import struct
import sys

HEADER = struct.Struct("<cQ")

# host -> sandbox
SETUP = b"S"  # JSON, once, first: role, readable paths, layers, limits
JOB = b"J"  # JSON: source, config, frame_bytes
FRAME = b"F"  # raw BGR bytes (encoder) or compressed bytes (decoder), preceded by a u32 index
END = b"E"
# sandbox -> host
HELLO = b"H"  # JSON: what the fork server could load
READY = b"R"  # JSON: the candidate module loaded, and the layers in force
RESULT = b"D"  # compressed bytes (encoder) or a decoded frame (decoder)
FAILURE = b"X"  # JSON: category, message, frame
EXITED = b"Z"  # JSON: how the child ended (sent by the fork server)

INDEX = struct.Struct("<I")
ARRAY_HEADER = struct.Struct("<8sIII")  # dtype string, then up to three dimensions

ALLOWED_IMPORTS = frozenset({
    "numpy", "cv2", "math", "json", "struct", "base64", "typing", "zlib", "lzma", "bz2",
    "itertools", "functools", "collections", "heapq", "bisect",
})


class Channel:
    """Framed messages over two file descriptors."""

    def __init__(self, read_fd: int, write_fd: int):
        self.read_fd, self.write_fd = read_fd, write_fd

    def send(self, kind: bytes, payload=b"") -> None:
        """One message; `payload` is any flat buffer (bytes, or a byte view of an array)."""
        pieces = [memoryview(HEADER.pack(kind, len(payload))), memoryview(payload)]
        while pieces:
            written = os.writev(self.write_fd, pieces)
            while pieces and written >= len(pieces[0]):
                written -= len(pieces.pop(0))
            if pieces:
                pieces[0] = pieces[0][written:]

    def send_json(self, kind: bytes, value) -> None:
        self.send(kind, json.dumps(value).encode())

    def receive(self):
        """The next message, its payload read straight into a buffer of its own."""
        kind, length = HEADER.unpack(self._read(HEADER.size))
        return kind, self._read(length)

    def _read(self, size: int) -> bytearray:
        buffer = bytearray(size)
        view, filled = memoryview(buffer), 0
        while filled < size:
            count = os.readv(self.read_fd, [view[filled:]])
            if not count:
                raise EOFError
            filled += count
        return buffer


# --- lock-down layers, applied in the child before any candidate code runs ---------------

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
PR_SET_NO_NEW_PRIVS, PR_SET_DUMPABLE, PR_SET_SECCOMP, PR_SET_CHILD_SUBREAPER = 38, 4, 22, 36
SECCOMP_MODE_FILTER = 2


def apply_rlimits(limits: dict) -> None:
    import resource


    def cap(which, value):
        resource.setrlimit(which, (value, value))

    with open("/proc/self/statm") as statm:  # the address space this warm process already maps
        mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    cap(resource.RLIMIT_AS, mapped + limits["memory_bytes"])
    cap(resource.RLIMIT_CPU, limits["cpu_seconds"])
    cap(resource.RLIMIT_FSIZE, 0)
    cap(resource.RLIMIT_CORE, 0)
    cap(resource.RLIMIT_NOFILE, limits["open_files"])
    cap(resource.RLIMIT_NPROC, 0)  # binds non-root users; for root the pid namespace does


class _LandlockRulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _LandlockPathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def apply_landlock(readable: list) -> str:
    """Deny every file write, execution, TCP bind/connect, abstract unix sockets and signals outside.

    Reads stay possible only beneath `readable` (the Python installation), for lazy imports;
    nothing may be executed (shared libraries still load: that is mmap, not execve).
    Returns a description of what loaded, or why not.
    """
    abi = _libc.syscall(444, None, 0, 1)  # landlock_create_ruleset(NULL, 0, VERSION)
    if abi < 1:
        return "landlock unavailable"
    fs_rights = (1 << {1: 13, 2: 14, 3: 15, 4: 15}.get(abi, 16)) - 1
    read_rights = 4 | 8  # READ_FILE, READ_DIR
    attr = _LandlockRulesetAttr(fs_rights, 3 if abi >= 4 else 0, 3 if abi >= 6 else 0)
    size = ctypes.sizeof(_LandlockRulesetAttr) if abi >= 6 else (16 if abi >= 4 else 8)
    ruleset = _libc.syscall(444, ctypes.byref(attr), size, 0)
    if ruleset < 0:
        return f"landlock ruleset refused (errno {ctypes.get_errno()})"
    try:
        for path in readable:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            rule = _LandlockPathBeneath(read_rights, fd)
            _libc.syscall(445, ruleset, 1, ctypes.byref(rule), 0)  # LANDLOCK_RULE_PATH_BENEATH
            os.close(fd)
        if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return "landlock not applied: no_new_privs refused"
        if _libc.syscall(446, ruleset, 0) != 0:  # landlock_restrict_self
            return f"landlock not applied (errno {ctypes.get_errno()})"
    finally:
        os.close(ruleset)
    return f"landlock abi {abi}"


# x86_64 system calls a candidate never needs: processes, sockets, namespaces, file changes,
# and, for a process that is still root (no user namespace), the machine's own settings.
_DENIED_SYSCALLS = (
    41, 42, 43, 44, 49, 50, 53, 288,  # socket, connect, accept, sendto, bind, listen, socketpair, accept4
    56, 57, 58, 59, 322, 435,  # clone, fork, vfork, execve, execveat, clone3
    62, 101, 310, 311, 424, 434, 438, 440,  # kill, ptrace, process_vm_*, pidfd_*, process_madvise
    155, 161, 165, 166, 272, 308,  # pivot_root, chroot, mount, umount2, unshare, setns
    425, 426, 427, 437,  # io_uring_*, openat2
    319, 85, 83, 258, 84, 87, 263, 82, 264, 316, 86, 265, 88, 266,  # memfd, creat, mkdir, unlink, rename, link
    90, 91, 268, 92, 93, 94, 260, 76, 77, 133, 259,  # chmod, chown, truncate, mknod
    160, 29, 30, 68, 64, 240, 248, 249, 250,  # setrlimit, SysV IPC, mq_open, keys
    321, 298, 323, 135, 157, 169, 246, 175, 313, 176, 163, 167, 170, 171,  # bpf ... prctl ... sethostname
    303, 304, 300, 253, 294,  # handles, fanotify, inotify
    428, 429, 430, 431, 432, 433, 442, 443, 452,  # new mount API, quotactl_fd, fchmodat2
    132, 235, 261, 280, 188, 189, 190, 197, 198, 199, 73,  # utime*, set/remove xattr, flock
    159, 164, 227, 305, 103, 134, 141, 153, 168, 172, 173, 179, 251, 256, 279, 320,  # clocks, syslog...
)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_SIGNAL_SYSCALLS = (200, 234, 129, 297)  # tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo
# (system call, argument, values that kill): locks and leases, which could stall another
# process's file (the ledger), and making a descriptor signal another process on I/O.
_DENIED_COMMANDS = (
    (72, 1, (6, 7, 37, 38, 1024, 8, 15)),  # fcntl: F_SET(OFD_)LK(W), F_SETLEASE, F_SETOWN(_EX)
    (16, 1, (0x8901, 0x8902, 0x5412)),  # ioctl: FIOSETOWN, SIOCSPGRP, TIOCSTI
)


def seccomp_program(own_pid: int) -> list:
    """The BPF instructions (code, jt, jf, k) of the filter for the process `own_pid`."""
    load_word, jump_equal, jump_set, ret = 0x20, 0x15, 0x45, 0x06
    allow, kill = 0x7FFF0000, 0x80000000  # SECCOMP_RET_ALLOW, SECCOMP_RET_KILL_PROCESS

    def argument(index: int, high: bool = False) -> int:  # offset in struct seccomp_data
        return 16 + 8 * index + (4 if high else 0)

    program = [(load_word, 0, 0, 4), (jump_equal, 1, 0, 0xC000003E), (ret, 0, 0, kill),
               (load_word, 0, 0, 0), (0x35, 0, 1, 0x40000000), (ret, 0, 0, kill)]  # x32 ABI: kill
    for number in _DENIED_SYSCALLS:
        program += [(jump_equal, 0, 1, number), (ret, 0, 0, kill)]
    # The rules below load an argument into the accumulator, so each one ends in a return.
    # open(path, flags) and openat(dirfd, path, flags): only for reading.
    for number, flags_offset in ((2, argument(1)), (257, argument(2))):
        program += [(jump_equal, 0, 4, number), (load_word, 0, 0, flags_offset),
                    (jump_set, 0, 1, _WRITE_FLAGS), (ret, 0, 0, kill), (ret, 0, 0, allow)]
    # prlimit64(pid, resource, new, old) only reads limits (new == NULL); signals only to itself
    # (kill() is denied above; these are the other ways to send one).
    rules = [(302, 2, 0)] + [(number, 0, own_pid) for number in _SIGNAL_SYSCALLS]
    for number, index, value in rules:
        program += [(jump_equal, 0, 6, number), (load_word, 0, 0, argument(index)),
                    (jump_equal, 0, 2, value), (load_word, 0, 0, argument(index, high=True)),
                    (jump_equal, 1, 0, 0), (ret, 0, 0, kill), (ret, 0, 0, allow)]
    for number, index, values in _DENIED_COMMANDS:
        count = len(values)
        program += [(jump_equal, 0, count + 3, number), (load_word, 0, 0, argument(index))]
        program += [(jump_equal, count - i, 0, value) for i, value in enumerate(values)]
        program += [(ret, 0, 0, allow), (ret, 0, 0, kill)]
    return program + [(ret, 0, 0, allow)]


def apply_seccomp() -> str:
    """Load a BPF filter that kills the process on any denied system call."""
    if sys.platform != "linux" or os.uname().machine != "x86_64":
        return "seccomp unavailable on this platform"
    program = seccomp_program(os.getpid())

    class Instruction(ctypes.Structure):
        _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                    ("k", ctypes.c_uint32)]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(Instruction))]

    instructions = (Instruction * len(program))(*program)
    fprog = Program(len(program), instructions)
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return "seccomp not applied: no_new_privs refused"
    if _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        return f"seccomp not applied (errno {ctypes.get_errno()})"
    return "seccomp filter"


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
    report, describe_, allowed, kind = violation_reporter(channel), describe, ALLOWED_IMPORTS, type
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


FORBIDDEN_BUILTINS = ("open", "exec", "eval", "compile", "getattr", "setattr", "delattr", "globals",
                      "locals", "vars", "breakpoint", "input", "help", "exit", "quit")


def guarded_builtins(channel: Channel) -> dict:
    """The candidate's builtins: imports limited to the allow-list, dangerous functions trip."""
    import builtins

    guarded = dict(vars(builtins))
    real_import = builtins.__import__
    # Its own reporter, apart from the tripwire's, and everything bound now as there.
    report, describe_, allowed, kind = violation_reporter(channel), describe, ALLOWED_IMPORTS, type

    def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        if kind(name) is not str or level or name.partition(".")[0] not in allowed:
            report(describe_("import", (name,)))
        return real_import(name, globals, locals, fromlist, level)

    def refuse(name):
        return lambda *args, **kwargs: report(describe_(name, args))

    guarded.update({name: refuse(name) for name in FORBIDDEN_BUILTINS})
    guarded["__import__"] = guarded_import
    return guarded


# --- the child --------------------------------------------------------------------------

class CappedOutput:
    """Stands in for sys.stdout/sys.stderr: keeps the first bytes printed, drops the rest."""

    def __init__(self, limit: int):
        self.limit, self.kept, self.total = limit, [], 0

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


def lock_down(channel: Channel, setup: dict) -> tuple[list, dict, CappedOutput]:
    """The layers that need nothing from the job, applied while the child waits for one.

    Returns the names of the layers in force, the builtins candidate code will see, and
    what stands in for its standard output.
    """
    layers = setup["layers"]
    output = CappedOutput(setup["limits"]["output_bytes"])
    sys.stdout = sys.stderr = output
    devnull = os.open(os.devnull, os.O_WRONLY)  # while writing opens are still allowed
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    apply_rlimits(setup["limits"])
    loaded = ["rlimits"]
    if layers.get("landlock"):
        loaded.append(apply_landlock(setup["readable"]))
    if layers.get("seccomp"):
        loaded.append(apply_seccomp())
    builtins = guarded_builtins(channel) if layers.get("audit") else __builtins__
    return loaded, builtins, output


def run_child(channel: Channel, setup: dict, job: dict, loaded: list, builtins, output: CappedOutput) -> None:
    import numpy as np

    role, config = setup["role"], job["config"]

    def fail(category: str, message: str, frame=None) -> None:
        printed = output.text().strip()
        if printed:
            message += f" (printed: {printed[-300:]!r})"
        channel.send_json(FAILURE, {"category": category, "message": message, "frame": frame})
        os._exit(0)

    try:
        code = compile(job["source"], "<candidate>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        fail("rejected", f"does not compile: {error}")
    if setup["layers"].get("audit"):
        install_tripwire(channel, code)
        loaded = loaded + ["audit hook"]

    namespace = {"__name__": "candidate", "__builtins__": builtins}
    try:
        exec(code, namespace)
    except BaseException as error:  # the candidate's own code: anything may come out
        category, message = classify(error)
        fail(category, f"loading the module raised {message}")
    function_name = "compress_video_frame" if role == "encode" else "decompress_video_frame"
    function = namespace.get(function_name)
    if not callable(function):
        fail("rejected", f"{function_name} is not defined as a function")
    channel.send_json(READY, {"layers": loaded})

    shape = (config["height"], config["width"], 3)
    frame_bytes = job["frame_bytes"]
    while True:
        kind, payload = channel.receive()
        if kind == END:
            break
        (index,) = INDEX.unpack_from(payload)
        try:
            if role == "encode":  # the frame is a view of the buffer the message was read into
                frame = np.frombuffer(payload, np.uint8, offset=INDEX.size).reshape(shape)
                result = function(frame, index, dict(config))
            else:
                result = function(bytes(memoryview(payload)[INDEX.size:]), index, dict(config))
        except BaseException as error:
            category, message = classify(error)
            fail(category, f"{function_name} raised {message}", index)
        if role == "encode":
            if not isinstance(result, (bytes, bytearray)):
                fail("failed", f"compress_video_frame returned {type(result).__name__}, expected bytes", index)
            data = result if type(result) is bytes else bytes(result)  # a subclass could misreport its length
            if len(data) > frame_bytes:
                fail("failed", f"compress_video_frame returned {len(data)} bytes; the cap is {frame_bytes}", index)
            channel.send(RESULT, data)
        else:
            if not isinstance(result, np.ndarray):
                fail("failed", f"decompress_video_frame returned {type(result).__name__}, expected numpy.ndarray", index)
            if result.dtype != np.uint8 or result.shape != shape:
                fail("failed", f"decompress_video_frame returned {result.dtype} {result.shape}, expected uint8 {shape}", index)
            channel.send(RESULT, memoryview(np.ascontiguousarray(result)).cast("B"))
    os._exit(0)


def classify(error: BaseException):
    """A verdict category and message for an exception raised by candidate code."""
    text = f"{type(error).__name__}: {str(error)[:300]}"
    if isinstance(error, MemoryError) or "Insufficient memory" in str(error) or "Failed to allocate" in str(error):
        return "oom", text
    if isinstance(error, RecursionError):
        return "failed", text + " (recursion too deep)"
    return "failed", text


# --- the fork server --------------------------------------------------------------------

def preload() -> None:
    """Import what candidates and the lock-down may use, once, so that children start warm."""
    import base64  # noqa: F401
    import bisect
    import bz2
    import collections
    import functools
    import heapq
    import itertools
    import lzma
    import math
    import resource
    import typing
    import zlib

    import cv2
    import numpy
    import numpy.fft  # noqa: F401
    import numpy.linalg
    import numpy.random

    cv2.setNumThreads(0)
    cv2.dct(numpy.zeros((8, 8), numpy.float32))  # let OpenCV set itself up before the lock-down
    cv2.imencode(".jpg", numpy.zeros((8, 8, 3), numpy.uint8))
    cv2.imencode(".webp", numpy.zeros((8, 8, 3), numpy.uint8))
    cv2.imencode(".png", numpy.zeros((8, 8, 3), numpy.uint8))
    # Children would otherwise copy every page the collector touches (copy-on-write).
    gc.freeze()


NO_JOB = 99  # a child's exit code: the host closed the channel instead of sending a job


def serve() -> None:
    """Fork the next child ahead of time; it locks itself down and reads its own job, so
    neither the fork nor the lock-down is on the host's clock."""
    channel = Channel(os.dup(0), os.dup(1))
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    os.close(devnull)
    kind, payload = channel.receive()
    if kind != SETUP:
        return
    setup = json.loads(payload)
    preload()
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # a candidate's orphans become ours to end
    channel.send_json(HELLO, {"pid": os.getpid(), "python": sys.version.split()[0]})
    while True:
        pid = os.fork()
        if pid == 0:
            serve_one(channel, setup)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        end_leftovers()
        for descriptor in (channel.read_fd, channel.write_fd):  # shared with the child, which
            os.set_blocking(descriptor, True)  # may have changed them for the next one
        if code == NO_JOB:
            return
        channel.send_json(EXITED, {"code": code})


def end_leftovers() -> None:
    """Kill and reap whatever a finished child left running.

    Only possible where seccomp is off or unavailable (it denies fork); without this a
    candidate's daemon would outlive its verdict and could serve the next candidate.
    """
    children = f"/proc/self/task/{os.getpid()}/children"
    for _ in range(1000):
        try:
            with open(children) as listing:
                pids = [int(pid) for pid in listing.read().split()]
        except OSError:
            return
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in pids:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def serve_one(channel: Channel, setup: dict) -> None:
    """In a fresh child: lock down, wait for one job, run it, never return into the server loop."""
    try:
        loaded, builtins, output = lock_down(channel, setup)
        error = None
    except BaseException as raised:  # reported once there is a job to report it for
        loaded, builtins, output, error = [], None, None, raised
    try:
        kind, payload = channel.receive()
        if kind != JOB:
            os._exit(NO_JOB)
        job = json.loads(payload)
    except BaseException:  # end of input (the host is done), or a stream it no longer trusts
        os._exit(NO_JOB)
    try:
        if error is not None:
            raise error
        run_child(channel, setup, job, loaded, builtins, output)
    except BaseException as error:
        try:
            channel.send_json(FAILURE, {"category": "failed", "message": f"sandbox error: {error!r}"[:400]})
        finally:
            os._exit(70)
    os._exit(0)


if __name__ == "__main__":
    serve()
