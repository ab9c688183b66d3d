"""Lossless: each frame's difference from the previous frame, deflated with zlib. Ignores quality."""
import zlib

import numpy as np

previous_encoded = None
previous_decoded = None


def compress_video_frame(frame, frame_index, config):
    global previous_encoded
    current = frame.astype(np.uint8)
    residual = current if previous_encoded is None else current - previous_encoded  # wraps mod 256
    previous_encoded = current.copy()
    return zlib.compress(residual.tobytes(), 9)


def decompress_video_frame(data, frame_index, config):
    global previous_decoded
    shape = (config["height"], config["width"], 3)
    residual = np.frombuffer(zlib.decompress(data), dtype=np.uint8).reshape(shape)
    frame = residual.copy() if previous_decoded is None else residual + previous_decoded
    previous_decoded = frame
    return frame.copy()
