"""Fails: the encoder raises on the third frame."""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    if frame_index == 2:
        raise ValueError("boom")
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    return np.frombuffer(data, np.uint8).reshape(config["height"], config["width"], 3)
