"""Times out: the decoder spends its time inside one long C call."""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    big = np.ones((4000, 4000), np.float64)
    for _ in range(1000):
        big = big @ big  # each product is seconds of C code
    return np.zeros((config["height"], config["width"], 3), np.uint8)
