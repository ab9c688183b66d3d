"""Ok despite printing megabytes: printed output is capped, not passed on."""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    for _ in range(2000):
        print("x" * 1000)
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    return np.frombuffer(data, np.uint8).reshape(config["height"], config["width"], 3).copy()
