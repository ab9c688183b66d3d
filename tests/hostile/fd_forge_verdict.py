"""Attack: forge the messages that end a job: a FAILURE whose "frame" is a list nested
15,000 deep (small enough for the per-frame size cap), then an EXITED whose exit "code" is
a string, hoping to crash or confuse the host's bookkeeping: json.loads raised
RecursionError into the caller, and a str exit code failed the comparison with 0.

Expected: rejected statically (`os`); at runtime the guarded import trips (violation); with
only the kernel layers the host reads the forgeries as data: a "failed" verdict with an
integer frame or none, no exception.
"""
import os
import stat
import struct

import numpy as np


def forge(kind, body):
    for descriptor in range(3, 64):
        try:
            if stat.S_ISFIFO(os.fstat(descriptor).st_mode):
                os.write(descriptor, struct.pack("<cQ", kind, len(body)) + body)
        except OSError:
            pass


def compress_video_frame(frame, frame_index, config):
    forge(b"X", b'{"category": "ok", "message": "fine", "frame": ' + b"[" * 15_000 + b"]" * 15_000 + b"}")
    forge(b"Z", b'{"code": "zero"}')
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    return np.frombuffer(data, np.uint8).reshape(config["height"], config["width"], 3)
