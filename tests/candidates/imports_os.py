"""Rejected: imports a module outside the allow-list."""
import os

import numpy as np


def compress_video_frame(frame, frame_index, config):
    os.system("touch /tmp/pwned")
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    return np.frombuffer(data, np.uint8).reshape(config["height"], config["width"], 3)
