"""Attack: end the process while the module loads, with a success exit status.

Expected: passes static validation; SystemExit is an exception like any other to the
worker: failed, and the fork server goes on.
"""
import numpy as np

raise SystemExit(0)


def compress_video_frame(frame, frame_index, config):
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
