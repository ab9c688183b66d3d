"""Attack: harm the next candidate, not the host. The pipes to the host are shared with the
fork server (one open file description), so O_NONBLOCK set on them outlives this child:
the next candidate's worker, writing a large frame into a full pipe, would fail with
"Resource temporarily unavailable", one codec sabotaging a rival's evaluation. Only the
writing end is changed, so this candidate itself runs ok.

Expected: rejected statically (`os`, `fcntl`); at runtime the guarded import trips
(violation); with only the kernel layers it runs ok, and the fork server restores blocking
mode on its pipes after every child (this was a hole): the next child starts clean.
"""
import fcntl
import os

import numpy as np


def poison():
    for descriptor in range(3, 16):
        try:
            if fcntl.fcntl(descriptor, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                os.set_blocking(descriptor, False)
        except OSError:
            pass


def compress_video_frame(frame, frame_index, config):
    poison()
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    poison()
    return np.frombuffer(data, np.uint8).reshape(config["height"], config["width"], 3)
