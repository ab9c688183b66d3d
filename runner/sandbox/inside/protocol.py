"""The wire formats between the host and the sandbox, over two kinds of link.

- The control link joins the host and the fork server, and nothing else: a unix socket
  (SOCK_SEQPACKET) that each child closes before anything else runs in it. One packet is
  one message: a kind byte, then JSON. The server announces each new child on it, passing
  the host its ends of that child's job link (SCM_RIGHTS), and reports how each child ended.
- A job link joins the host and one child: two pipes made for that child alone, carrying
  framed messages, a header struct.pack("<cQ", kind, length) and then the payload.

So everything a child can write reaches only its own job's link: it cannot speak for the
server, nor read or answer another job. The host imports this module (as
runner.sandbox.inside.protocol) for the constants and the control helpers; the program
inside uses them and Channel. It imports no sibling module, so both ways of loading it work.
"""

import json
import os
import socket
import struct

HEADER = struct.Struct("<cQ")
INDEX = struct.Struct("<I")  # precedes each frame's payload: the frame's index
CONTROL_BYTES = 1 << 17  # the largest control message (SETUP, with the file view)

# control, host -> server
SETUP = b"S"  # once, first: role, the file view, layers, limits
# control, server -> host
HELLO = b"H"  # what the fork server could load
CHILD = b"C"  # {"pid"}: a child waits for its job; carries the host's ends of its job link
EXITED = b"Z"  # {"pid", "code"}: how that child ended, once it and all it left behind are gone
# job link, host -> child
JOB = b"J"  # JSON: source, config, frame_bytes
FRAME = b"F"  # raw BGR bytes (encoder) or compressed bytes (decoder), preceded by an INDEX
END = b"E"
# job link, child -> host
READY = b"R"  # JSON: the candidate module loaded, and the layers in force
RESULT = b"D"  # compressed bytes (encoder) or a decoded frame (decoder)
FAILURE = b"X"  # JSON: category, message, frame


def send_control(link: socket.socket, kind: bytes, value, descriptors=()) -> None:
    """One control message, with descriptors to pass along."""
    packet = kind + json.dumps(value).encode()
    if descriptors:
        socket.send_fds(link, [packet], list(descriptors))
    else:
        link.send(packet)


def receive_control(link: socket.socket) -> tuple[bytes, bytes, list[int]]:
    """The next control message: kind, JSON payload, descriptors passed with it.

    Raises EOFError when the other side is gone, ValueError for a cut-off message, and
    BlockingIOError on a non-blocking link with nothing to read.
    """
    packet, descriptors, flags, _ = socket.recv_fds(link, CONTROL_BYTES, 2, socket.MSG_CMSG_CLOEXEC)
    if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
        for descriptor in descriptors:
            os.close(descriptor)
        raise ValueError("a control message was cut off")
    if not packet:
        raise EOFError
    return packet[:1], packet[1:], descriptors


class Channel:
    """Framed messages over the two pipes of a job link, as the child sees them."""

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
