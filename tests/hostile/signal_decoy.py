"""Attack: SIGKILL another process on the host (a decoy the test starts), with kill() and
with tgkill() through libc, which seccomp did not cover before.

Expected: rejected statically (`os`, `ctypes`); at runtime the guarded import trips
(violation); seccomp kills kill() and tgkill() to any process but itself; Landlock's signal
scope refuses signals outside the sandbox; bubblewrap's pid namespace cannot see the decoy.
The decoy survives.
"""
import ctypes
import os
import signal

import numpy as np


def compress_video_frame(frame, frame_index, config):
    decoy = config["decoy_pid"]
    if frame_index == 0:
        if ctypes.CDLL(None, use_errno=True).syscall(234, decoy, decoy, signal.SIGKILL) != 0:  # tgkill
            raise OSError(ctypes.get_errno(), "tgkill failed")
    else:
        os.kill(decoy, signal.SIGKILL)
    return b"ESCAPED:signalled"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
