"""Violation: numpy is asked to read a file (static validation refuses `fromfile`)."""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    secret = np.fromfile("/etc/hostname", dtype=np.uint8)
    return frame.tobytes() + secret.tobytes()


def decompress_video_frame(data, frame_index, config):
    return np.frombuffer(data[: config["height"] * config["width"] * 3], np.uint8).reshape(
        config["height"], config["width"], 3)
