"""Attack: the decoder's memory grows gradually, 16 MiB at a time, kept in module state,
the way a leak in a real codec would look.

Expected: passes static validation; the decoder's address-space limit stops it: oom.
"""
import numpy as np

hoard = []


def compress_video_frame(frame, frame_index, config):
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    for _ in range(1024):
        hoard.append(np.ones(16 << 20, np.uint8))
    return np.frombuffer(data, np.uint8).reshape(config["height"], config["width"], 3)
