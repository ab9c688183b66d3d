"""Attack: a structure nested deeper than any recursion limit, handed to json, which
recurses over it.

Expected: passes static validation; json raises RecursionError: failed, with the reason.
"""
import json

import numpy as np


def compress_video_frame(frame, frame_index, config):
    nested = []
    for _ in range(200_000):
        nested = [nested]
    return json.dumps(nested).encode()


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
