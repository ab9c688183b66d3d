"""Attack: outlive the job. The decoder answers its frames itself and, where the job ends,
does not exit: it sleeps, still holding its link, waiting for what comes next.

In the old design that link was the fork server's own pipe, shared with every later child,
and the host waited a whole frame deadline for the child's end before it gave up on it.

Expected: rejected statically (`os`, `time`, `fcntl`); at runtime the guarded import trips
(violation). With only the kernel layers its run is correct (it decodes its own bytes); the
host has closed its link by then, and the next job may not start until the server reports
this child gone: when it is not, SETTLE_SECONDS later, the server is killed with it, and the
next candidate runs in a fresh one.
"""
import fcntl
import os
import struct
import time

HEADER = struct.Struct("<cQ")


def link():
    reader = writer = None
    for descriptor in range(3, 64):
        try:
            mode = fcntl.fcntl(descriptor, fcntl.F_GETFL) & os.O_ACCMODE
        except OSError:
            continue
        if mode == os.O_RDONLY and reader is None:
            reader = descriptor
        elif mode == os.O_WRONLY and writer is None:
            writer = descriptor
    return reader, writer


def read_exactly(descriptor, size):
    data = b""
    while len(data) < size:
        chunk = os.read(descriptor, size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def send(descriptor, kind, payload=b""):
    data = memoryview(HEADER.pack(kind, len(payload)) + payload)
    while data:
        data = data[os.write(descriptor, data):]


def compress_video_frame(frame, frame_index, config):
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    reader, writer = link()
    send(writer, b"D", data)
    while True:
        try:
            kind, length = HEADER.unpack(read_exactly(reader, HEADER.size))
            payload = read_exactly(reader, length)
        except (EOFError, OSError):
            break
        if kind == b"F":
            send(writer, b"D", payload[4:])
        elif kind == b"E":
            break
    while True:
        time.sleep(3600)
