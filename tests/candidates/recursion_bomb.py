"""Fails: unbounded recursion."""
import numpy as np


def dive(n):
    return dive(n + 1) + 1


def compress_video_frame(frame, frame_index, config):
    dive(0)
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
