"""Attack: recursion in C, past Python's recursion limit: hash() of a tuple nested half
a million deep recurses in C until the stack overflows.

Expected: passes static validation; the child dies with SIGSEGV and the host reports a
crash: failed. The host and the fork server are untouched.
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    nested = ()
    for _ in range(500_000):
        nested = (nested,)
    return str(hash(nested)).encode()


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
