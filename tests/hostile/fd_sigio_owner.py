"""Attack: turn an inherited descriptor into a weapon. fcntl(F_SETOWN, pid) plus O_ASYNC on
the pipe from the host makes the kernel send SIGIO (default action: terminate) to any
process, here the test's decoy, each time the host writes the next frame. No kill() call.

Expected: rejected statically (`os`, `fcntl`); at runtime the guarded import trips
(violation); seccomp kills fcntl(F_SETOWN) (this was allowed before: with seccomp alone the
decoy died); Landlock's signal scope covers SIGIO; bubblewrap's pid namespace cannot name
the decoy. The decoy survives.
"""
import fcntl
import os

import numpy as np


def compress_video_frame(frame, frame_index, config):
    for descriptor in range(3, 16):
        try:
            fcntl.fcntl(descriptor, fcntl.F_SETOWN, config["decoy_pid"])
            fcntl.fcntl(descriptor, fcntl.F_SETFL, fcntl.fcntl(descriptor, fcntl.F_GETFL) | os.O_ASYNC)
        except OSError:
            pass
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    return np.frombuffer(data, np.uint8).reshape(config["height"], config["width"], 3)
