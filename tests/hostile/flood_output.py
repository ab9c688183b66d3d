"""Attack: floods of output: one 64 MB print, then an exception whose message is 64 MB,
hoping to fill the host's memory, logs or verdict.

Expected: passes static validation; printed text is capped and dropped, the message is cut
to a few hundred characters: failed, with a short message.
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    print("x" * (64 << 20))
    raise ValueError("y" * (64 << 20))


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
