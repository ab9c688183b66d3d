"""Version 0: the seed's "copy input" fallback, measured for real like any other candidate."""

SEED_SOURCE = '''"""Version 0: copy the input. Raw BGR bytes, no compression."""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    shape = (config["height"], config["width"], 3)
    return np.frombuffer(data, dtype=np.uint8).reshape(shape).copy()
'''
