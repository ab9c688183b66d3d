"""Attack: raise KeyboardInterrupt in the decoder, which naive `except Exception` handlers
let through to the top and which a host might take for a user's Ctrl-C.

Expected: passes static validation; failed, with the frame index; the host goes on.
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    if frame_index == 1:
        raise KeyboardInterrupt
    return np.frombuffer(data, np.uint8).reshape(config["height"], config["width"], 3)
