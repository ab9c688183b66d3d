"""Runs candidate codecs in OS-isolated processes and turns every outcome into a Verdict.

Two warm fork servers (runner/sandbox_worker.py), one for encoding and one for decoding,
each under its own bubblewrap instance: new user, pid, network, ipc and uts namespaces, a
read-only view of the system and of Python, an empty private /tmp and working directory, a
fresh /proc, and no environment. Each candidate role runs in a fresh child of its server,
which adds resource limits, Landlock, seccomp and an audit-hook tripwire. The encoder and
the decoder never share a process or a namespace: the decoder sees only the bytes.

Nothing a candidate does reaches the host as an exception or a hang: the host reads the
child's framed replies with deadlines, checks every size, and kills the whole process tree
when a deadline passes.
"""

from __future__ import annotations

import fcntl
import hashlib
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
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from domain.verdict import FAILED, OK, OOM, REJECTED, TIMEOUT, VIOLATION, Verdict
from runner import sandbox_worker as protocol
from runner.validation import validate

WORKER = Path(protocol.__file__).resolve()
STARTUP_SECONDS = 60.0
PIPE_BYTES = 1 << 20
F_SETPIPE_SZ = 1031
_SIGNAL_VERDICTS = {
    signal.SIGSYS: (VIOLATION, "killed by the seccomp filter for a forbidden system call"),
    signal.SIGXCPU: (TIMEOUT, "exceeded its CPU time limit"),
    signal.SIGKILL: (OOM, "killed (out of memory or CPU hard limit)"),
    signal.SIGSEGV: (FAILED, "crashed with a segmentation fault"),
    signal.SIGABRT: (FAILED, "aborted"),
    signal.SIGBUS: (FAILED, "crashed with a bus error"),
}


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


@dataclass
class RunResult:
    """One candidate over one clip: its verdict, its bytes and what the decoder produced."""

    verdict: Verdict
    sizes: list[int] = field(default_factory=list)
    decoded: list[np.ndarray] = field(default_factory=list)
    encode_seconds: float = 0.0
    decode_seconds: float = 0.0
    payload: list[bytes] = field(default_factory=list)  # the compressed frames, when asked for
    layers: list[str] = field(default_factory=list)  # the in-process layers the child loaded

    @property
    def total_bytes(self) -> int:
        return sum(self.sizes)


def bubblewrap_path() -> str | None:
    return shutil.which("bwrap")


class _Stopped(Exception):
    """The child ended or misbehaved; carries the verdict to report."""

    def __init__(self, verdict: Verdict):
        super().__init__(str(verdict))
        self.verdict = verdict


class ForkServer:
    """One warm sandbox process that forks a fresh child for each candidate role."""

    def __init__(self, role: str, layers: Layers):
        self.role, self.layers = role, layers
        self.process: subprocess.Popen | None = None
        self.workdir: str | None = None
        self._buffer = bytearray()
        self._stderr_tail = bytearray()

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
            return [python, "-I", str(WORKER)]
        command = [
            bwrap, "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            "--cap-drop", "ALL", "--hostname", "sandbox", "--clearenv",
            # Private mounts first, so that the read-only binds below may sit inside them.
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/sandbox",
        ]
        for top in ("usr", "lib", "lib64", "lib32", "bin", "sbin"):
            path = Path("/") / top
            if path.is_symlink():
                command += ["--symlink", os.readlink(path), str(path)]
            elif path.is_dir():
                command += ["--ro-bind", str(path), str(path)]
        for path in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"):
            if os.path.exists(path):
                command += ["--ro-bind", path, path]
        for path in sorted(self._python_roots()):
            command += ["--ro-bind", path, path]
        command += ["--ro-bind", str(WORKER), "/sandbox/worker.py", "--dir", "/sandbox/work", "--chdir", "/sandbox/work"]
        for name, value in _thread_environment().items():
            command += ["--setenv", name, value]
        return command + [python, "-I", "/sandbox/worker.py"]

    @staticmethod
    def _python_roots() -> set[str]:
        """The folders Python and its packages live in, without nesting duplicates."""
        candidates = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
        candidates.add(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
        candidates.add(os.path.dirname(os.path.dirname(sys.executable)))
        roots = set()
        for path in sorted(candidates, key=len):
            if not any(path == root or path.startswith(root + os.sep) for root in roots) and path != "/":
                if not path.startswith("/usr"):
                    roots.add(path)
        return roots

    def readable(self) -> list[str]:
        return sorted(self._python_roots() | {"/usr", "/lib", "/lib64"})

    def start(self) -> None:
        if self.process is not None:
            return
        environment = {} if self.layers.bubblewrap and bubblewrap_path() else _thread_environment()
        if not (self.layers.bubblewrap and bubblewrap_path()):
            self.workdir = tempfile.mkdtemp(prefix="codec-ledger-sandbox-")
        self.process = subprocess.Popen(
            self._command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=environment, cwd=self.workdir or "/", start_new_session=True, close_fds=True,
        )
        for stream in (self.process.stdin, self.process.stdout):
            os.set_blocking(stream.fileno(), False)
            try:  # one write per frame instead of sixteen
                fcntl.fcntl(stream.fileno(), F_SETPIPE_SZ, PIPE_BYTES)
            except OSError:
                pass
        self._readable = select.poll()
        self._readable.register(self.process.stdout, select.POLLIN)
        self._both = select.poll()
        self._both.register(self.process.stdout, select.POLLIN)
        self._both.register(self.process.stdin, select.POLLOUT)
        self._buffer.clear()
        self._stderr_tail.clear()
        threading.Thread(target=self._drain_stderr, args=(self.process.stderr,), daemon=True).start()
        try:
            kind, payload = self._receive(time.monotonic() + STARTUP_SECONDS)
        except _Stopped as stopped:
            self.stop()
            raise RuntimeError(f"the sandbox did not start: {stopped.verdict.message}") from None
        if kind != protocol.HELLO:
            self.stop()
            raise RuntimeError("the sandbox did not start: unexpected greeting")

    def _drain_stderr(self, stream) -> None:
        for line in iter(lambda: stream.read(4096), b""):
            self._stderr_tail += line
            del self._stderr_tail[:-4096]

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            process.wait()
            for stream in (process.stdin, process.stdout, process.stderr):
                stream.close()
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    # --- one candidate role ---

    def open_job(self, source: str, config: dict, limits: Limits) -> list[str]:
        """Start a child with the candidate loaded; returns the layers it reports."""
        self.start()
        frame_bytes = config["width"] * config["height"] * 3
        job = {
            "role": self.role, "source": source, "config": config, "readable": self.readable(),
            "layers": {"landlock": self.layers.landlock, "seccomp": self.layers.seccomp, "audit": self.layers.audit},
            "limits": {
                "memory_bytes": limits.memory_bytes,
                "cpu_seconds": limits.cpu_seconds,
                "open_files": limits.open_files,
                "output_bytes": limits.output_bytes,
                "frame_bytes": int(frame_bytes * limits.frame_bytes_factor) + 4096,
            },
        }
        deadline = time.monotonic() + limits.frame_seconds
        self._send(protocol.JOB, json.dumps(job).encode(), deadline)
        kind, payload = self._receive(deadline)
        if kind != protocol.READY:
            raise _Stopped(self._unexpected(kind, payload, "loading the module"))
        layers = _json_or_empty(payload).get("layers")
        if not (isinstance(layers, list) and all(isinstance(layer, str) for layer in layers)):
            raise _Stopped(Verdict(FAILED, f"protocol error from the {self.role}r while loading the module"))
        return layers

    def stream(self, bodies: list, frame_seconds: float, reply_cap: int):
        """Send every frame and yield the replies in order, without a round trip per frame.

        The child works through the frames as they arrive (the pipe holds a few), so the host
        and the child are not woken once per frame each way. Each reply must come within
        `frame_seconds` of the one before.
        """
        stdout = self.process.stdout.fileno()
        messages = (memoryview(b"".join((protocol.HEADER.pack(protocol.FRAME, protocol.INDEX.size + len(body)),
                                          protocol.INDEX.pack(index), body)))
                    for index, body in enumerate(bodies))
        current = next(messages, None)
        received = 0
        deadline = time.monotonic() + frame_seconds
        while received < len(bodies):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Stopped(Verdict(TIMEOUT, f"{self.role}r exceeded the time limit", received))
            poller = self._both if current is not None else self._readable
            for fd, _ in poller.poll(remaining * 1000):
                if fd == stdout:
                    self._fill()
                    while (reply := self._complete_message(reply_cap)) is not None:
                        kind, payload = reply
                        if kind != protocol.RESULT:
                            raise _Stopped(self._unexpected(kind, payload, f"frame {received}", received))
                        yield payload
                        received += 1
                        deadline = time.monotonic() + frame_seconds
                elif current is not None:
                    current = self._write_some(current)
                    if not current:
                        current = next(messages, None)

    def close_job(self, deadline: float) -> None:
        self._send(protocol.END, b"", deadline)
        kind, payload = self._receive(deadline)
        if kind != protocol.EXITED:
            raise _Stopped(self._unexpected(kind, payload, "closing"))

    def _unexpected(self, kind: bytes, payload: bytes, stage: str, frame: int | None = None) -> Verdict:
        """Turns a failure report, or the child's death, into a verdict; keeps the server in step."""
        if kind == protocol.FAILURE:
            # The child writes these, and candidate code inside it may forge them: read them as data.
            report = _json_or_empty(payload)
            category = report.get("category") if report.get("category") in (FAILED, OOM, VIOLATION, REJECTED) else FAILED
            reported_frame = report.get("frame", frame)
            reported_frame = reported_frame if type(reported_frame) is int else frame
            verdict = Verdict(category, str(report.get("message", "failed"))[:500], reported_frame)
            kind, payload = self._receive(time.monotonic() + 10.0)  # the server reports the exit next
            if kind != protocol.EXITED:
                raise _Stopped(verdict)
            return verdict
        if kind == protocol.EXITED:
            code = _json_or_empty(payload).get("code", 0)
            if type(code) is not int:
                return Verdict(FAILED, f"protocol error from the {self.role}r during {stage}", frame)
            if code < 0 and -code in _SIGNAL_VERDICTS:
                category, text = _SIGNAL_VERDICTS[-code]
                return Verdict(category, f"{self.role}r {text} during {stage}", frame)
            return Verdict(FAILED, f"{self.role}r exited with code {code} during {stage}", frame)
        raise _Stopped(Verdict(FAILED, f"protocol error from the {self.role}r during {stage}", frame))

    # --- framed I/O with deadlines ---

    def _send(self, kind: bytes, payload: bytes, deadline: float) -> None:
        """Write a message; stop early if the child speaks first (it failed or died)."""
        data = memoryview(b"".join((protocol.HEADER.pack(kind, len(payload)), payload)))
        stdout = self.process.stdout.fileno()
        while data:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Stopped(Verdict(TIMEOUT, f"{self.role}r did not take input within the time limit"))
            for fd, _ in self._both.poll(remaining * 1000):
                if fd == stdout:
                    self._fill()
                    kind, payload = self._receive(deadline)
                    raise _Stopped(self._unexpected(kind, payload, "input"))
                data = self._write_some(data)

    def _write_some(self, data: memoryview) -> memoryview:
        """Write what the pipe takes now; returns what is left to write."""
        try:
            return data[os.write(self.process.stdin.fileno(), data):]
        except BrokenPipeError:
            raise _Stopped(Verdict(FAILED, f"the {self.role}r sandbox ended unexpectedly")) from None
        except BlockingIOError:
            return data

    def _fill(self) -> None:
        """Read what is available into the buffer."""
        try:
            chunk = os.read(self.process.stdout.fileno(), PIPE_BYTES)
        except BlockingIOError:
            return
        if not chunk:
            raise _Stopped(Verdict(FAILED, f"the {self.role}r sandbox ended unexpectedly: {self._stderr_text()}"))
        self._buffer += chunk

    def _receive(self, deadline: float, cap: int = 1 << 20) -> tuple[bytes, bytes]:
        while (message := self._complete_message(cap)) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._readable.poll(remaining * 1000):
                raise _Stopped(Verdict(TIMEOUT, f"{self.role}r exceeded the time limit"))
            self._fill()
        return message

    def _complete_message(self, cap: int) -> tuple[bytes, bytes] | None:
        """The next whole message in the buffer, checked before it is read; None if incomplete."""
        size = protocol.HEADER.size
        if len(self._buffer) < size:
            return None
        kind, length = protocol.HEADER.unpack_from(self._buffer)
        if kind not in (protocol.HELLO, protocol.READY, protocol.RESULT, protocol.FAILURE, protocol.EXITED):
            raise _Stopped(Verdict(FAILED, f"protocol error from the {self.role}r"))
        if length > max(cap, 1 << 16):
            raise _Stopped(Verdict(FAILED, f"{self.role}r sent {length} bytes; the cap is {cap}"))
        if len(self._buffer) < size + length:
            return None
        payload = bytes(self._buffer[size:size + length])
        del self._buffer[:size + length]
        return kind, payload

    def _stderr_text(self) -> str:
        return bytes(self._stderr_tail).decode("utf-8", "replace").strip()[-300:]


class Sandbox:
    """Runs candidates over clips: validate, encode in one sandbox, decode in another."""

    def __init__(self, limits: Limits = Limits(), layers: Layers = Layers()):
        self.limits, self.layers = limits, layers
        self.encoder = ForkServer("encode", layers)
        self.decoder = ForkServer("decode", layers)

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.encoder.stop()
        self.decoder.stop()

    @property
    def isolation(self) -> str:
        return self.encoder.isolation()

    def run(self, source: str, frames: np.ndarray, config: dict, keep_payload: bool = False) -> RunResult:
        """Encode every frame, then decode the bytes, each role in its own sandbox."""
        return self._run(source, config, frames=frames, keep_payload=keep_payload)

    def run_twice(self, source: str, frames: np.ndarray, config: dict, keep_payload: bool = False) -> RunResult:
        """Run twice; the candidate fails unless both runs gave the very same bytes and frames.

        A codec must be a function of its input. One that draws on OS entropy, timers or
        uninitialised memory would make every measurement unrepeatable, and could be lucky
        once in a bisection. Costs a second run: meant for the quality a decision rests on.
        """
        first = self.run(source, frames, config, keep_payload=True)
        if first.verdict.ok:
            second = self.run(source, frames, config, keep_payload=True)
            if second.verdict.ok:
                difference = _first_difference(first, second)
            else:
                message = f"on a second run of the same input: {second.verdict.message}"
                difference = Verdict(second.verdict.category, message, second.verdict.frame)
            if difference is not None:
                first.verdict, first.decoded = self._verdict(difference), []
        if not (keep_payload and first.verdict.ok):
            first.payload = []
        return first

    def decode(self, source: str, payload: list[bytes], config: dict) -> RunResult:
        """Decode bytes recorded earlier (the `decompress` command), in the decoder's sandbox."""
        return self._run(source, config, payload=payload)

    def _run(self, source: str, config: dict, frames=None, payload=None, keep_payload=False) -> RunResult:
        if self.layers.static:
            reasons = validate(source)
            if reasons:
                return RunResult(self._verdict(Verdict(REJECTED, "; ".join(reasons)[:2000])))
        config = {key: _plain(value) for key, value in config.items()}
        result = RunResult(Verdict(OK))
        try:
            if payload is None:
                payload = self._encode(source, frames, config, result)
            else:
                result.sizes = [len(data) for data in payload]
            self._decode(source, payload, config, result)
        except _Stopped as stopped:
            result.verdict = stopped.verdict
            result.decoded = []
        if keep_payload and result.verdict.ok:
            result.payload = payload
        result.verdict = self._verdict(result.verdict)
        return result

    def _encode(self, source: str, frames: np.ndarray, config: dict, result: RunResult) -> list[bytes]:
        frame_cap = int(config["width"] * config["height"] * 3 * self.limits.frame_bytes_factor) + 4096
        encoded = []
        with self._job(self.encoder, source, config, result):
            started = time.perf_counter()
            bodies = [np.ascontiguousarray(frame, np.uint8).reshape(-1).data for frame in frames]
            for index, data in enumerate(self.encoder.stream(bodies, self.limits.frame_seconds, frame_cap)):
                encoded.append(data)
                result.sizes.append(len(data))
                if result.total_bytes > self.limits.clip_bytes:
                    raise _Stopped(Verdict(FAILED, f"compressed clip exceeds {self.limits.clip_bytes} bytes", index))
            result.encode_seconds = time.perf_counter() - started
        return encoded

    def _decode(self, source: str, encoded: list[bytes], config: dict, result: RunResult) -> None:
        shape = (config["height"], config["width"], 3)
        frame_size = shape[0] * shape[1] * 3
        with self._job(self.decoder, source, config, result):
            started = time.perf_counter()
            for index, raw in enumerate(self.decoder.stream(encoded, self.limits.frame_seconds, frame_size)):
                if len(raw) != frame_size:
                    raise _Stopped(Verdict(FAILED, f"decoded frame has {len(raw)} bytes, expected {frame_size}", index))
                result.decoded.append(np.frombuffer(raw, np.uint8).reshape(shape))
            result.decode_seconds = time.perf_counter() - started

    @contextmanager
    def _job(self, server: ForkServer, source: str, config: dict, result: RunResult):
        """One child of `server` with the candidate loaded; any abnormal end restarts the server."""
        try:
            result.layers = server.open_job(source, config, self.limits)
            yield
            server.close_job(time.monotonic() + self.limits.frame_seconds)
        except BaseException:
            server.stop()  # kills the child and its server; the next job starts a fresh one
            raise

    def _verdict(self, verdict: Verdict) -> Verdict:
        return Verdict(verdict.category, verdict.message, verdict.frame, self.isolation)


def _thread_environment() -> dict[str, str]:
    # Children may not create threads (seccomp); numerical libraries are told up front.
    return {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                   "NUMEXPR_NUM_THREADS", "OPENCV_FOR_THREADS_NUM")} | {
        "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}


def _first_difference(first: RunResult, second: RunResult) -> Verdict | None:
    """Where two runs of one candidate on the same frames disagree, as a failure; else None."""
    pairs = (("compressed bytes", first.payload, second.payload), ("decoded frame", first.decoded, second.decoded))
    for name, a, b in pairs:
        digests = [[hashlib.sha256(item).digest() for item in run] for run in (a, b)]
        for index, (x, y) in enumerate(zip(*digests)):
            if x != y:
                return Verdict(FAILED, f"not deterministic: the {name} differs between two runs of the same input", index)
        if len(digests[0]) != len(digests[1]):
            return Verdict(FAILED, f"not deterministic: the number of {name}s differs between two runs")
    return None


def _json_or_empty(payload: bytes) -> dict:
    try:
        value = json.loads(payload)
    except (ValueError, RecursionError):  # deep nesting, forged by candidate code
        return {}
    return value if isinstance(value, dict) else {}


def _plain(value):
    """Config values as plain JSON types: the config crosses the process boundary as JSON."""
    if isinstance(value, np.generic):
        return value.item()
    return value
