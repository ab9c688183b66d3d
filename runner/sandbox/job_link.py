"""The host's end of one child's job link: framed messages over that child's two pipes,
exchanged without ever blocking.

The child runs candidate code and may write anything on its link, so what comes out is
read as data: sizes are checked before anything is read into memory, and a message that
makes no sense ends the job (Stopped) rather than reaching the caller as an exception or a
hang. The link reaches this one child only: the fork server made its pipes for it, so
nothing written on it can pass for the server's word or reach another job.
"""

from __future__ import annotations

import json
import os
from collections import deque
from itertools import islice

from domain.verdict import FAILED, Verdict
from runner.sandbox.inside import protocol

CONTROL_BYTES = 1 << 20  # the largest message from a child other than a frame's result
REPLIES = (protocol.READY, protocol.RESULT, protocol.FAILURE)


class Stopped(Exception):
    """The child ended or misbehaved; carries the verdict to report."""

    def __init__(self, verdict: Verdict):
        super().__init__(str(verdict))
        self.verdict = verdict


class JobLink:
    """Framed, non-blocking messages with one child, over the pipe ends the server passed on."""

    def __init__(self, pid: int, write_fd: int, read_fd: int, role: str):
        self.pid, self.write_fd, self.read_fd, self.role = pid, write_fd, read_fd, role
        for descriptor in (write_fd, read_fd):
            os.set_blocking(descriptor, False)
        self.inbox: deque[tuple[bytes, bytearray]] = deque()
        self.reply_cap = CONTROL_BYTES  # the largest RESULT the job may send
        self.readable = True  # until the child's side of its output is closed
        self._outgoing: deque[list[memoryview]] = deque()
        self._header = bytearray()
        self._kind, self._filled = b"", 0
        self._payload: bytearray | None = None  # the message being read, once its header is in

    def close(self) -> None:
        for descriptor in (self.write_fd, self.read_fd):
            if descriptor >= 0:
                os.close(descriptor)
        self.write_fd = self.read_fd = -1
        self.readable = False
        self._outgoing.clear()

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
        """Write as much of the queued messages as the pipe takes now.

        A child that has closed its input (or ended) takes nothing more: the rest is dropped,
        and the server's report of how it ended says why.
        """
        pieces = [piece for message in islice(self._outgoing, 16) for piece in message]
        try:
            written = os.writev(self.write_fd, pieces)
        except BlockingIOError:
            return
        except BrokenPipeError:
            self._outgoing.clear()
            return
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
        while self.readable:
            try:
                if self._payload is None:
                    chunk = os.read(self.read_fd, protocol.HEADER.size - len(self._header))
                    if not chunk:
                        break
                    self._header += chunk
                    if len(self._header) == protocol.HEADER.size:
                        self._begin_payload()
                elif self._filled < len(self._payload):
                    count = os.readv(self.read_fd, [memoryview(self._payload)[self._filled:]])
                    if not count:
                        break
                    self._filled += count
            except BlockingIOError:
                return
            if self._payload is not None and self._filled == len(self._payload):
                self.inbox.append((self._kind, self._payload))
                self._payload = None
        self.readable = False  # end of file: the child's side is closed

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


def json_or_empty(payload) -> dict:
    """A JSON object from a child, or {}: candidate code may have forged it."""
    try:
        value = json.loads(payload)
    except (ValueError, RecursionError):  # deep nesting, forged by candidate code
        return {}
    return value if isinstance(value, dict) else {}
