"""Fails: the encoder returns an array, not bytes."""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    return frame


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
