"""Metric cheat: the decoder walks the garbage collector's objects for an array shaped like
a source frame (the encoder's input, if it lived in the same process) and returns it.

Expected: rejected statically (`gc`); at runtime the gc.get_objects audit event trips
(violation). With only the kernel layers it runs and finds no source frame, because none
was ever in the decoder's process: black frames.
"""
import gc

import numpy as np


def compress_video_frame(frame, frame_index, config):
    return b""


def decompress_video_frame(data, frame_index, config):
    shape = (config["height"], config["width"], 3)
    for candidate in gc.get_objects():
        if isinstance(candidate, np.ndarray) and candidate.shape == shape and candidate.any():
            return candidate.copy()
    return np.zeros(shape, np.uint8)
