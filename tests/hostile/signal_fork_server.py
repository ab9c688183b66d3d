"""Attack: kill the fork server that forked this candidate, hoping to leave the host
waiting or to break the next candidate's run.

Expected: rejected statically (`os`); at runtime the guarded import trips (violation);
seccomp kills kill(); Landlock's signal scope refuses it (the server is outside its
domain). With bubblewrap alone the server does die, inside the sandbox: the host reports a
failure, starts a fresh server, and the next candidate runs normally.
"""
import os
import signal

import numpy as np


def compress_video_frame(frame, frame_index, config):
    os.kill(os.getppid(), signal.SIGKILL)
    return b"ESCAPED:killed the server"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
