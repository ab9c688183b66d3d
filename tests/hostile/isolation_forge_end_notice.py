"""Attack: outlive the verdict by speaking for the fork server, then answer later jobs.

The decoder takes over its child's link at the first frame: it reads the host's messages
itself, answers each frame from its bytes (and keeps the frame), and where the job ends it
writes the server's end-of-child notice (EXITED, code 0) instead of exiting, then waits for
more. In the old design the server and its children shared one pair of pipes, so the host
took that notice for the server's word and sent the next job down the same pipe, to this
process: it answered a run at any bitrate with the frames it kept (PSNR 100 at ~0 bytes,
adopted), and answered another candidate's job with a forged violation.

Expected: rejected statically (`os`, `fcntl`, `time`); at runtime the guarded import trips
(violation). With only the kernel layers the link is this child's alone: the notice comes
where only the child's replies may, after its every frame is in, so the server is killed
with the child. The next job, at any quality, goes to a fresh child that kept nothing, and
the next candidate gets its own correct verdict.
"""
import fcntl
import json
import os
import struct
import time

import numpy as np

HEADER = struct.Struct("<cQ")
MARK = "isolation-forge-end-notice"  # how it tells its own jobs from another candidate's
KEPT = {}


def link():
    """The descriptors it reads its messages from and writes its replies to."""
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


def answer(data, index, config):
    shape = (config["height"], config["width"], 3)
    if len(data) == shape[0] * shape[1] * 3:
        KEPT[index] = np.frombuffer(data, np.uint8).reshape(shape)
    return KEPT.get(index, np.zeros(shape, np.uint8))


def compress_video_frame(frame, frame_index, config):
    return frame.tobytes() if config["quality"] >= 90 else b"\0"


def decompress_video_frame(data, frame_index, config):
    reader, writer = link()
    send(writer, b"D", answer(data, frame_index, config).tobytes())
    while True:  # never back to the worker's loop
        try:
            kind, length = HEADER.unpack(read_exactly(reader, HEADER.size))
            payload = read_exactly(reader, length)
        except (EOFError, OSError):
            while True:  # the host let go of this link: wait on, for a job that may yet come
                time.sleep(3600)
        if kind == b"F":
            (index,) = struct.unpack_from("<I", payload)
            send(writer, b"D", answer(payload[4:], index, config).tobytes())
        elif kind == b"E":
            send(writer, b"Z", b'{"code": 0}')
        elif kind == b"J":
            job = json.loads(payload)
            config = job["config"]
            if MARK in job["source"]:
                send(writer, b"R", b'{"layers": ["rlimits", "landlock abi 7", "seccomp filter", "audit hook"]}')
            else:
                send(writer, b"X", b'{"category": "violation", "message": "forbidden operation: open \'/etc/shadow\'"}')
