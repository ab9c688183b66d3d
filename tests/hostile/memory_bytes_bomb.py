"""Attack: one sudden pure-Python allocation of a terabyte (not numpy's path, which the
existing memory_bomb candidate covers).

Expected: passes static validation; the address-space limit makes it fail at once: oom.
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    hoard = b"\x00" * (1 << 40)
    return hoard[:16]


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
