"""The wire format between the host and the sandbox: framed messages over a pair of pipes.

Both directions: a header struct.pack("<cQ", kind, length), then the payload. The host
imports this module (as runner.sandbox.inside.protocol) for the constants; the program
inside uses them and Channel. It imports no sibling module, so both ways of loading it work.
"""

import json
import os
import struct

HEADER = struct.Struct("<cQ")
INDEX = struct.Struct("<I")  # precedes each frame's payload: the frame's index

# host -> sandbox
SETUP = b"S"  # JSON, once, first: role, readable paths, layers, limits
JOB = b"J"  # JSON: source, config, frame_bytes
FRAME = b"F"  # raw BGR bytes (encoder) or compressed bytes (decoder), preceded by an INDEX
END = b"E"
# sandbox -> host
HELLO = b"H"  # JSON: what the fork server could load
READY = b"R"  # JSON: the candidate module loaded, and the layers in force
RESULT = b"D"  # compressed bytes (encoder) or a decoded frame (decoder)
FAILURE = b"X"  # JSON: category, message, frame
EXITED = b"Z"  # JSON: how the child ended (sent by the fork server)


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

    def receive(self) -> tuple[bytes, bytearray]:
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
