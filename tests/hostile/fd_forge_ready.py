"""Attack: write forged protocol messages on the inherited pipe to the host while the
module loads: a READY whose JSON is 200,000 brackets deep. The host used to parse it with
json.loads and let the RecursionError escape into the caller.

Expected: rejected statically (`os`); at runtime the guarded import trips (violation); with
only the kernel layers the write goes through (the pipe is the candidate's own channel) and
the host reads it as data: a "failed" verdict, no exception, and the sandbox still works.
"""
import os
import stat
import struct

import numpy as np

for descriptor in range(3, 64):
    try:
        if stat.S_ISFIFO(os.fstat(descriptor).st_mode):
            body = b"[" * 200_000
            os.write(descriptor, struct.pack("<cQ", b"R", len(body)) + body)
    except OSError:
        pass


def compress_video_frame(frame, frame_index, config):
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    return np.frombuffer(data, np.uint8).reshape(config["height"], config["width"], 3)
