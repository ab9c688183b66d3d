"""Attack: os._exit(0) in the middle of encoding: no exception, no cleanup, a success status.

Expected: rejected statically (`os`, `_exit`); at runtime the guarded import trips
(violation); with only the kernel layers the host sees the child end before its reply:
failed ("exited with code 0"), never ok.
"""
import os

import numpy as np


def compress_video_frame(frame, frame_index, config):
    os._exit(0)


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
