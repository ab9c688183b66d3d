"""Out of memory: one sudden huge allocation."""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    hoard = np.ones((1 << 37,), np.uint8)
    return bytes(hoard[:10])


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
