"""The host's side of one sandboxed fork server: start it, stop it, and exchange framed
messages with it without ever blocking.

The server (runner/sandbox/inside/worker.py) runs under its own bubblewrap instance: new
user, pid, network, ipc and uts namespaces, a read-only view of the system, of Python and
of the program's own folder (runner/sandbox/inside/, nothing else of the project), an empty
private /tmp and working directory, a fresh /proc, and no environment. It keeps one
child forked and locked down ahead of time; each job (one candidate role over one clip)
runs in such a child.

Everything that comes out of the pipe is read as data: a child runs candidate code and
may forge any message, so sizes are checked before anything is read into memory, and a
message that makes no sense stops the server (Stopped) rather than reaching the caller as
an exception or a hang.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path

from domain.verdict import FAILED, TIMEOUT, Verdict
from runner.sandbox.inside import protocol

PROGRAM = Path(protocol.__file__).resolve().parent  # the folder of the program inside the sandbox
PROGRAM_INSIDE = "/sandbox/program"  # where bubblewrap shows it, read-only
STARTUP_SECONDS = 60.0
PIPE_BYTES = 1 << 20
F_SETPIPE_SZ = 1031
CONTROL_BYTES = 1 << 20  # the largest message other than a frame's result
REPLIES = (protocol.HELLO, protocol.READY, protocol.RESULT, protocol.FAILURE, protocol.EXITED)


@dataclass(frozen=True)
class Limits:
    """What one candidate process may use."""

    frame_seconds: float = 20.0  # wall clock for one frame, or for loading the module
    cpu_seconds: int = 120  # CPU time for one role over a whole clip
    memory_bytes: int = 2 << 30  # address space on top of what the warm server already maps
    frame_bytes_factor: float = 4.0  # compressed frame cap, as a multiple of the raw frame
    clip_bytes: int = 1 << 30  # compressed bytes for one clip
    open_files: int = 32
    output_bytes: int = 64 * 1024  # printed text kept


@dataclass(frozen=True)
class Layers:
    """The defences, each of which tests can switch off to show the others hold."""

    static: bool = True
    bubblewrap: bool = True
    landlock: bool = True
    seccomp: bool = True
    audit: bool = True


def bubblewrap_path() -> str | None:
    return shutil.which("bwrap")


class Stopped(Exception):
    """The child ended or misbehaved; carries the verdict to report."""

    def __init__(self, verdict: Verdict):
        super().__init__(str(verdict))
        self.verdict = verdict


class ForkServer:
    """One warm sandbox process that runs each job of one role in a fresh child."""

    def __init__(self, role: str, layers: Layers, limits: Limits):
        self.role, self.layers, self.limits = role, layers, limits
        self.process: subprocess.Popen | None = None
        self.workdir: str | None = None
        self.inbox: deque[tuple[bytes, bytearray]] = deque()
        self.reply_cap = CONTROL_BYTES  # the largest RESULT the current job may send
        self._outgoing: deque[list[memoryview]] = deque()
        self._header = bytearray()
        self._kind, self._filled = b"", 0
        self._payload: bytearray | None = None  # the message being read, once its header is in
        self._stderr_tail = bytearray()
        self._child_running = False  # a job was sent and the server has not yet reported its end
        self.greeted = False  # the running server has said HELLO

    # --- life cycle ---

    def isolation(self) -> str:
        if self.layers.bubblewrap and bubblewrap_path():
            return "bubblewrap namespaces"
        if self.layers.bubblewrap:
            return "DEGRADED: bubblewrap (bwrap) not found; no namespace isolation, only in-process layers"
        return "DEGRADED: bubblewrap switched off"

    def _command(self) -> list[str]:
        python = sys.executable
        bwrap = bubblewrap_path() if self.layers.bubblewrap else None
        if not bwrap:
            return [python, "-I", str(PROGRAM / "worker.py")]
        command = [
            bwrap, "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            "--cap-drop", "ALL", "--hostname", "sandbox", "--clearenv",
            # Private mounts first, so that the read-only binds below may sit inside them.
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/sandbox",
        ]
        for top in ("usr", "lib", "lib64", "lib32", "bin", "sbin"):
            folder = Path("/") / top
            if folder.is_symlink():
                command += ["--symlink", os.readlink(folder), str(folder)]
            elif folder.is_dir():
                command += ["--ro-bind", str(folder), str(folder)]
        for path in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"):
            if os.path.exists(path):
                command += ["--ro-bind", path, path]
        for path in sorted(self._python_roots()):
            command += ["--ro-bind", path, path]
        command += ["--ro-bind", str(PROGRAM), PROGRAM_INSIDE, "--dir", "/sandbox/work", "--chdir", "/sandbox/work"]
        for name, value in _thread_environment().items():
            command += ["--setenv", name, value]
        return command + [python, "-I", f"{PROGRAM_INSIDE}/worker.py"]

    @staticmethod
    def _python_roots() -> set[str]:
        """The folders Python and its packages live in, without nesting duplicates."""
        candidates = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
        candidates.add(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
        candidates.add(os.path.dirname(os.path.dirname(sys.executable)))
        roots: set[str] = set()
        for path in sorted(candidates, key=len):
            if not any(path == root or path.startswith(root + os.sep) for root in roots) and path != "/":
                if not path.startswith("/usr"):
                    roots.add(path)
        return roots

    def readable(self) -> list[str]:
        return sorted(self._python_roots() | {"/usr", "/lib", "/lib64"})

    def launch(self) -> None:
        """Start the server process, unless it runs, and send its settings; `await_hello`
        finishes the start. Split in two so that servers start while the host does other work.
        """
        if self.process is not None:
            return
        bubblewrapped = self.layers.bubblewrap and bubblewrap_path()
        if not bubblewrapped:
            self.workdir = tempfile.mkdtemp(prefix="codec-ledger-sandbox-")
        self.process = subprocess.Popen(
            self._command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={} if bubblewrapped else _thread_environment(), cwd=self.workdir or "/",
            start_new_session=True, close_fds=True,
        )
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None  # both are pipes
        for stream in (stdin, stdout):
            os.set_blocking(stream.fileno(), False)
            try:  # one write per frame instead of sixteen
                fcntl.fcntl(stream.fileno(), F_SETPIPE_SZ, PIPE_BYTES)
            except OSError:
                pass
        self.stdin, self.stdout = stdin.fileno(), stdout.fileno()
        self.inbox.clear()
        self._outgoing.clear()
        self._header.clear()
        self._payload, self._child_running, self.greeted = None, False, False
        self._stderr_tail = bytearray()  # its own, so that a dying server's thread cannot mix in
        threading.Thread(target=_drain, args=(self.process.stderr, self._stderr_tail), daemon=True).start()
        limits = {key: value for key, value in asdict(self.limits).items()
                  if key in ("memory_bytes", "cpu_seconds", "open_files", "output_bytes")}
        layers = {"landlock": self.layers.landlock, "seccomp": self.layers.seccomp, "audit": self.layers.audit}
        setup = {"role": self.role, "readable": self.readable(), "layers": layers, "limits": limits}
        self.send_json(protocol.SETUP, setup)

    def await_hello(self) -> None:
        """Wait for a launched server's greeting (at once where it has already come)."""
        if self.greeted:
            return
        try:
            kind, _ = self.receive(time.monotonic() + STARTUP_SECONDS)
        except Stopped as stopped:
            self.stop()
            raise RuntimeError(f"the sandbox did not start: {stopped.verdict.message}") from None
        if kind != protocol.HELLO:
            self.stop()
            raise RuntimeError("the sandbox did not start: unexpected greeting")
        self.greeted = True

    def stop(self) -> None:
        """Kill the server and everything below it; the next job starts a fresh one."""
        process, self.process = self.process, None
        if process is not None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    # --- jobs ---

    def settle(self) -> None:
        """Before a new job: the previous child must have ended cleanly, or the server goes.

        A finished job is not waited for when it ends (its results are all in by then), so
        the server's report of that child's exit is read here, usually long since arrived.
        """
        if self.process is None or not self._child_running:
            return
        try:
            kind, payload = self.receive(time.monotonic() + self.limits.frame_seconds)
            if kind != protocol.EXITED or json_or_empty(payload).get("code") != 0:
                raise Stopped(Verdict(FAILED, "the previous child did not end cleanly"))
            self._child_running = False
        except Stopped:
            self.stop()

    def send_job(self, source: str, config: dict) -> None:
        """Queue a job for the waiting child; its replies come through `inbox`."""
        frame_bytes = config["width"] * config["height"] * 3
        cap = int(frame_bytes * self.limits.frame_bytes_factor) + 4096
        self.reply_cap = cap if self.role == "encode" else frame_bytes
        self.send_json(protocol.JOB, {"source": source, "config": config, "frame_bytes": cap})
        self._child_running = True

    def child_exited(self) -> None:
        """The server reported the end of the current child (the caller read its EXITED)."""
        self._child_running = False

    # --- framed messages, never blocking ---

    def send(self, kind: bytes, *parts) -> None:
        """Queue one message whose payload is the concatenation of `parts` (none is copied)."""
        views = [memoryview(part).cast("B") for part in parts]
        header = memoryview(protocol.HEADER.pack(kind, sum(len(view) for view in views)))
        self._outgoing.append([header, *views])

    def send_json(self, kind: bytes, value) -> None:
        self.send(kind, json.dumps(value).encode())

    @property
    def wants_to_write(self) -> bool:
        return bool(self._outgoing)

    def flush(self) -> None:
        """Write as much of the queued messages as the pipe takes now."""
        pieces = [piece for message in islice(self._outgoing, 16) for piece in message]
        try:
            written = os.writev(self.stdin, pieces)
        except BlockingIOError:
            return
        except BrokenPipeError:
            raise Stopped(Verdict(FAILED, f"the {self.role}r sandbox ended unexpectedly")) from None
        while written:
            message = self._outgoing[0]
            if written >= len(message[0]):
                written -= len(message.pop(0))
                if not message:
                    self._outgoing.popleft()
            else:
                message[0], written = message[0][written:], 0

    def fill(self) -> None:
        """Read what the pipe holds now; whole messages go to `inbox`."""
        while True:
            try:
                if self._payload is None:
                    chunk = os.read(self.stdout, protocol.HEADER.size - len(self._header))
                    if not chunk:
                        raise self._ended()
                    self._header += chunk
                    if len(self._header) == protocol.HEADER.size:
                        self._begin_payload()
                elif self._filled < len(self._payload):
                    count = os.readv(self.stdout, [memoryview(self._payload)[self._filled:]])
                    if not count:
                        raise self._ended()
                    self._filled += count
            except BlockingIOError:
                return
            if self._payload is not None and self._filled == len(self._payload):
                self.inbox.append((self._kind, self._payload))
                self._payload = None

    def _begin_payload(self) -> None:
        """A header is in: check it before a byte of its payload is read into memory."""
        kind, length = protocol.HEADER.unpack(self._header)
        self._header.clear()
        if kind not in REPLIES:
            raise Stopped(Verdict(FAILED, f"protocol error from the {self.role}r"))
        cap = self.reply_cap if kind == protocol.RESULT else CONTROL_BYTES
        if length > cap:
            raise Stopped(Verdict(FAILED, f"{self.role}r sent {length} bytes; the cap is {cap}"))
        self._kind, self._payload, self._filled = kind, bytearray(length), 0

    def receive(self, deadline: float) -> tuple[bytes, bytearray]:
        """The next message, waiting at most until `deadline` (and writing what is queued)."""
        while not self.inbox:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Stopped(Verdict(TIMEOUT, f"{self.role}r exceeded the time limit"))
            poller = select.poll()
            poller.register(self.stdout, select.POLLIN)
            if self.wants_to_write:
                poller.register(self.stdin, select.POLLOUT)
            for fd, _ in poller.poll(remaining * 1000):
                if fd == self.stdout:
                    self.fill()
                else:
                    self.flush()
        return self.inbox.popleft()

    def _ended(self) -> Stopped:
        text = bytes(self._stderr_tail).decode("utf-8", "replace").strip()[-300:]
        return Stopped(Verdict(FAILED, f"the {self.role}r sandbox ended unexpectedly: {text}"))


def _drain(stream, tail: bytearray) -> None:
    """Keeps the last of what a server printed; owns the stream and closes it at its end."""
    with stream:
        for chunk in iter(lambda: stream.read(4096), b""):
            tail += chunk
            del tail[:-4096]


def json_or_empty(payload) -> dict:
    """A JSON object from the pipe, or {}: candidate code may have forged it."""
    try:
        value = json.loads(payload)
    except (ValueError, RecursionError):  # deep nesting, forged by candidate code
        return {}
    return value if isinstance(value, dict) else {}


def _thread_environment() -> dict[str, str]:
    # Children may not create threads (seccomp); numerical libraries are told up front.
    return {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                   "NUMEXPR_NUM_THREADS", "OPENCV_FOR_THREADS_NUM")} | {
        "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
