"""Attack: the decoder hangs inside one long C call (an SVD of a large matrix), where no
Python-level check can run, after an encoder that behaved.

Expected: passes static validation; the host's per-frame wall clock kills the decoder's
process tree: timeout.
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    np.linalg.svd(np.random.default_rng(0).random((2500, 2500)))
    return np.frombuffer(data, np.uint8).reshape(config["height"], config["width"], 3)
