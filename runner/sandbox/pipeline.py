"""Runs candidate codecs in OS-isolated processes and turns every outcome into a Verdict.

Two warm fork servers (runner/sandbox/fork_server.py), one for encoding and one for decoding,
each under its own bubblewrap instance; each candidate role runs in a fresh child of its
server, which adds resource limits, Landlock, seccomp and an audit-hook tripwire, and talks
to the host over a job link of its own. The encoder and the decoder never share a process or
a namespace: the decoder sees only the bytes, frame by frame, in order.

The two roles work at once: each frame's bytes go to the decoder as soon as the encoder
returns them, so a run takes about as long as the slower role, not both in turn. Where a
run fails, the verdict is that of the earliest frame that did not round-trip, whichever
role noticed first. A server whose child did not finish its job cleanly is restarted
before its next job. A caller may follow a run frame by frame (on_frame: called in the host
as each frame comes back from the decoder, e.g. for a progress bar).

Nothing a candidate does reaches the host as an exception or a hang: replies are read
with deadlines (per frame, and per run for the whole clip), every size is checked, and a
deadline that passes kills the whole process tree.
"""

from __future__ import annotations

import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from domain.verdict import FAILED, OK, OOM, REJECTED, TIMEOUT, VIOLATION, Verdict
from runner.sandbox.codec_runner import RunResult, run_twice
from runner.sandbox.fork_server import ForkServer, Layers, Limits
from runner.sandbox.inside import protocol
from runner.sandbox.job_link import JobLink, Stopped, json_or_empty
from runner.sandbox.validation import validate

_SIGNAL_VERDICTS: dict[int, tuple[str, str]] = {
    signal.SIGSYS: (VIOLATION, "killed by the seccomp filter for a forbidden system call"),
    signal.SIGXCPU: (TIMEOUT, "exceeded its CPU time limit"),
    signal.SIGKILL: (OOM, "killed (out of memory or CPU hard limit)"),
    signal.SIGSEGV: (FAILED, "crashed with a segmentation fault"),
    signal.SIGABRT: (FAILED, "aborted"),
    signal.SIGBUS: (FAILED, "crashed with a bus error"),
}


# Called once for each frame the decoder gives back whole (in order), between the run's reads: it must be quick.
OnFrame = Callable[[], None]


class Sandbox:
    """Runs candidates over clips: validate, encode in one sandbox, decode in another."""

    def __init__(self, limits: Limits = Limits(), layers: Layers = Layers()):
        self.limits, self.layers = limits, layers
        self.encoder = ForkServer("encode", layers, limits)
        self.decoder = ForkServer("decode", layers, limits)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.encoder.stop()
        self.decoder.stop()

    @property
    def isolation(self) -> str:
        return self.encoder.isolation()

    def run(self, source: str, frames: np.ndarray, config: dict, keep_payload: bool = False,
            on_frame: OnFrame | None = None) -> RunResult:
        """Encode every frame and decode its bytes, each role in its own sandbox, both at once."""
        return self._run(source, config, frames=frames, keep_payload=keep_payload, on_frame=on_frame)

    def run_twice(self, source: str, frames: np.ndarray, config: dict, keep_payload: bool = False) -> RunResult:
        """`run`, failing the candidate unless a second run gives the very same bytes and frames."""
        return run_twice(self, source, frames, config, keep_payload)

    def decode(self, source: str, payload: list[bytes], config: dict, on_frame: OnFrame | None = None) -> RunResult:
        """Decode bytes recorded earlier (the `decompress` command), in the decoder's sandbox."""
        return self._run(source, config, payload=payload, on_frame=on_frame)

    def _run(self, source: str, config: dict, frames=None, payload=None, keep_payload=False,
             on_frame: OnFrame | None = None) -> RunResult:
        if self.layers.static:
            reasons = validate(source)
            if reasons:
                return RunResult(self._verdict(Verdict(REJECTED, "; ".join(reasons)[:2000])))
        config = {key: _plain(value) for key, value in config.items()}
        servers = [self.decoder] if frames is None else [self.encoder, self.decoder]
        self._ready(servers)
        run = _Run(self, config, frames if frames is not None else payload, encoding=frames is not None,
                   on_frame=on_frame)
        result = run.execute(source)
        for server in servers:
            if server.process is None:
                server.launch()  # a stopped server warms up while the caller works on the result
        if keep_payload and result.verdict.ok:
            result.payload = run.payload
        result.verdict = self._verdict(result.verdict)
        return result

    @staticmethod
    def _ready(servers: list[ForkServer]) -> None:
        """Every server running, the earlier child gone, a fresh one waiting; both start at once."""
        for server in servers:
            server.settle()
            server.launch()
        for server in servers:
            server.await_child()

    def _verdict(self, verdict: Verdict) -> Verdict:
        return Verdict(verdict.category, verdict.message, verdict.frame, self.isolation)


@dataclass
class _Role:
    """One role's side of a run: what it still owes and how long it has worked."""

    server: ForkServer
    link: JobLink = field(init=False)  # the job link of this run's child, once it has the job
    owed: int = 0  # replies due: READY, then one RESULT per frame it was given
    ready: bool = False
    results: int = 0
    since: float = 0.0  # when the clock for the next reply started
    busy: float = 0.0  # seconds with a frame in hand: the role's own time, waits excluded
    failure: Verdict | None = None
    layers: list = field(default_factory=list)

    def owe(self, count: int, now: float) -> None:
        if not self.owed:
            self.since = now
        self.owed += count

    def replied(self, now: float, frame: bool) -> None:
        if frame:
            self.busy += now - self.since
        self.owed -= 1
        self.since = now

    def stage(self) -> str:
        return f"frame {self.results}" if self.ready else "loading the module"


class _Run:
    """One candidate over one clip: frames through the encoder's child and, as each comes
    back, its bytes through the decoder's, in one loop that never blocks on either."""

    def __init__(self, sandbox: Sandbox, config: dict, inputs, encoding: bool, on_frame: OnFrame | None = None):
        self.limits, self.config, self.inputs = sandbox.limits, config, inputs
        self.on_frame = on_frame
        self.count = len(inputs)
        self.shape = (config["height"], config["width"], 3)
        self.encoder = _Role(sandbox.encoder) if encoding else None
        self.decoder = _Role(sandbox.decoder)
        self.roles = [role for role in (self.encoder, self.decoder) if role is not None]
        self.result = RunResult(Verdict(OK))
        self.payload: list[bytes] = []
        self.deadline = 0.0  # the run's wall-clock budget ends here

    def execute(self, source: str) -> RunResult:
        now = time.monotonic()
        self.deadline = now + self.limits.run_seconds
        for role in self.roles:
            role.link = role.server.send_job(source, self.config)
            role.owe(1, now)
        first = self.encoder or self.decoder
        if not self.encoder:
            self.result.sizes = [len(data) for data in self.inputs]
        for index, item in enumerate(self.inputs):
            body = np.ascontiguousarray(item, np.uint8).reshape(-1) if self.encoder else item
            first.link.send(protocol.FRAME, protocol.INDEX.pack(index), body)
        first.link.send(protocol.END)
        first.owe(self.count, now)
        while not self._finished():
            self._step()
        for role in self.roles:
            if role.failure is None and self._complete(role):
                role.server.finish_job()
            else:
                role.server.stop()  # it may have stopped mid-message: the next job gets a fresh one
        self.result.verdict = self._verdict()
        self.result.layers = self.decoder.layers
        if self.encoder:
            self.result.encode_seconds = self.encoder.busy
        self.result.decode_seconds = self.decoder.busy
        if not self.result.verdict.ok:
            self.result.decoded = []
        return self.result

    def _complete(self, role: _Role) -> bool:
        return role.results == self.count and role.owed == 0

    def _finished(self) -> bool:
        encoder, decoder = self.encoder, self.decoder
        if decoder.failure is not None:
            return True  # the encoder had returned every frame up to this one
        if encoder is not None and encoder.failure is not None:
            # Done unless the decoder, still owing replies, might yet fail on an earlier frame.
            return not encoder.ready or decoder.owed == 0
        return decoder.ready and decoder.results == self.count

    def _verdict(self) -> Verdict:
        for role in (self.decoder, self.encoder):
            if role is not None and role.failure is not None:
                return role.failure
        return Verdict(OK)

    def _step(self) -> None:
        """Wait for the next thing to read or write, or the next deadline; deal with it."""
        now = time.monotonic()
        working = [role for role in self.roles if role.failure is None and not self._complete(role)]
        if now >= self.deadline:
            message = f"the run exceeded its wall-clock budget of {self.limits.run_seconds:g} s"
            for role in working:
                self._fail(role, Verdict(TIMEOUT, message, role.results if role.ready else None))
            return
        waiting = [role for role in working if role.owed]
        for role in waiting:
            if now - role.since > self.limits.frame_seconds:
                frame = role.results if role.ready else None
                self._fail(role, Verdict(TIMEOUT, f"{role.server.role}r exceeded the time limit", frame))
                return
        poller, owners = select.poll(), {}
        for role in self.roles:
            if role.failure is None and role.server.control is not None:
                watched = [(role.server.control.fileno(), select.POLLIN)]
                if role.link.readable:
                    watched.append((role.link.read_fd, select.POLLIN))
                if role.link.wants_to_write:
                    watched.append((role.link.write_fd, select.POLLOUT))
                for fd, events in watched:
                    poller.register(fd, events)
                    owners[fd] = role
        wake = min([role.since + self.limits.frame_seconds for role in waiting] + [self.deadline])
        trouble: dict[int, Verdict] = {}
        for fd, _ in poller.poll(max(wake - now, 0.0) * 1000 + 1):
            role = owners[fd]
            if role.failure is not None or id(role) in trouble or role.server.control is None:
                continue
            try:
                if fd == role.link.read_fd:
                    role.link.fill()
                elif fd == role.link.write_fd:
                    role.link.flush()
                else:
                    role.server.read_control()
            except Stopped as stopped:
                trouble[id(role)] = stopped.verdict
        for role in self.roles:
            self._take(role)
            if id(role) in trouble and role.failure is None:
                self._misbehaved(role, trouble[id(role)])

    def _take(self, role: _Role) -> None:
        """Handle what the child sent; once the server reports the child gone, all of it."""
        while role.link.inbox and role.failure is None:
            self._handle(role, *role.link.inbox.popleft())
        code = role.server.exit_code
        if role.failure is None and code is not None and role.server.child is role.link:
            # Its end is reported only once it and everything it left are gone, so no one
            # holds the other end of its pipe any more: what it wrote is all there.
            try:
                role.link.fill()
            except Stopped as stopped:
                self._misbehaved(role, stopped.verdict)
            while role.link.inbox and role.failure is None:
                self._handle(role, *role.link.inbox.popleft())
            if role.failure is None and not self._complete(role):
                self._fail(role, self._exit_verdict(role, code))
            elif code != 0:
                role.server.stop()

    def _handle(self, role: _Role, kind: bytes, payload: bytearray) -> None:
        now = time.monotonic()
        if self._complete(role):
            role.server.stop()  # more after every frame is in: not a clean end, but the verdict stands
            role.link.inbox.clear()
        elif kind == protocol.READY and not role.ready:
            layers = json_or_empty(payload).get("layers")
            if not (isinstance(layers, list) and all(isinstance(layer, str) for layer in layers)):
                message = f"protocol error from the {role.server.role}r while loading the module"
                self._fail(role, Verdict(FAILED, message))
                return
            role.ready, role.layers = True, layers
            role.replied(now, frame=False)
        elif kind == protocol.RESULT and role.ready and role.owed:
            index = role.results
            role.results += 1
            role.replied(now, frame=True)
            if role is self.encoder:
                self._encoded(role, index, payload, now)
            else:
                self._decoded(index, payload)
        elif kind == protocol.FAILURE:
            self._fail(role, self._reported(role, payload))
        else:
            self._fail(role, Verdict(FAILED, f"protocol error from the {role.server.role}r during {role.stage()}",
                                     role.results if role.ready else None))

    def _encoded(self, encoder: _Role, index: int, payload: bytearray, now: float) -> None:
        data = bytes(payload)
        self.payload.append(data)
        self.result.sizes.append(len(data))
        if self.result.total_bytes > self.limits.clip_bytes:
            self._fail(encoder, Verdict(FAILED, f"compressed clip exceeds {self.limits.clip_bytes} bytes", index))
            return
        self.decoder.link.send(protocol.FRAME, protocol.INDEX.pack(index), data)
        self.decoder.owe(1, now)
        if index == self.count - 1:
            self.decoder.link.send(protocol.END)

    def _decoded(self, index: int, raw: bytearray) -> None:
        expected = self.shape[0] * self.shape[1] * 3
        if len(raw) != expected:
            self._fail(self.decoder, Verdict(FAILED, f"decoded frame has {len(raw)} bytes, expected {expected}", index))
            return
        self.result.decoded.append(np.frombuffer(raw, np.uint8).reshape(self.shape))
        if self.on_frame is not None:
            self.on_frame()

    def _reported(self, role: _Role, payload: bytearray) -> Verdict:
        """A failure the child reported. Candidate code may forge one: read it as data."""
        report = json_or_empty(payload)
        category = report.get("category")
        category = category if category in (FAILED, OOM, VIOLATION, REJECTED) else FAILED
        fallback = role.results if role.ready else None
        frame = report.get("frame", fallback)
        return Verdict(category, str(report.get("message", "failed"))[:500], frame if type(frame) is int else fallback)

    def _exit_verdict(self, role: _Role, code: int) -> Verdict:
        """The child ended before answering everything, without saying why."""
        name, stage = role.server.role, role.stage()
        frame = role.results if role.ready else None
        if code < 0 and -code in _SIGNAL_VERDICTS:
            category, text = _SIGNAL_VERDICTS[-code]
            return Verdict(category, f"{name}r {text} during {stage}", frame)
        return Verdict(FAILED, f"{name}r exited with code {code} during {stage}", frame)

    def _fail(self, role: _Role, verdict: Verdict) -> None:
        role.failure = verdict
        role.server.stop()

    def _misbehaved(self, role: _Role, verdict: Verdict) -> None:
        """The child broke the protocol, or its server ended: a failure, unless every frame was in."""
        if self._complete(role):
            role.server.stop()
        else:
            self._fail(role, verdict)


def _plain(value):
    """Config values as plain JSON types: the config crosses the process boundary as JSON."""
    if isinstance(value, np.generic):
        return value.item()
    return value
