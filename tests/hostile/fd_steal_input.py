"""Attack: read the host's next messages straight off the inherited input pipe, and write
garbage to every other descriptor (stdout, stderr, the output pipe).

Expected: rejected statically (`os`); at runtime the guarded import trips (violation); with
only the kernel layers the descriptors lead nowhere but the candidate's own channel
(/dev/null and two pipes): the host sees a protocol error and reports "failed".
"""
import os

import numpy as np


def compress_video_frame(frame, frame_index, config):
    stolen = b""
    for descriptor in range(64):
        try:
            os.set_blocking(descriptor, False)
            stolen += os.read(descriptor, 1 << 16)
        except OSError:
            pass
        try:
            os.write(descriptor, b"\xff" * 64)
        except OSError:
            pass
    return b"ESCAPED:" + stolen[:1000] if b"ANTHROPIC" in stolen else stolen[:64]


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
