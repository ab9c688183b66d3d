"""Attack: hang while the module loads, before the sandbox has a function to time.

Expected: passes static validation (an infinite loop is legal Python); the host's deadline
for loading the module ends it: timeout, and the whole process tree is killed.
"""
import numpy as np

while True:
    pass


def compress_video_frame(frame, frame_index, config):
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
