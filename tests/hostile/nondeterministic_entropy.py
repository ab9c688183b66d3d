"""Metric cheat: a decoder whose output depends on OS entropy (an unseeded generator), so
every measurement is a fresh draw: a lucky run can pass a quality target an unlucky one
misses, and no result can be reproduced.

Expected: rejected by static validation (a generator needs a seed); with validation off,
the seccomp filter kills the process when it asks the kernel for entropy (getrandom) and
Landlock keeps /dev/urandom unreadable. Run in-process, Sandbox-like run_twice fails it ("not
deterministic").
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    frame = np.frombuffer(data, np.uint8).reshape(config["height"], config["width"], 3)
    noise = np.random.default_rng().integers(0, 2, frame.shape, dtype=np.uint8)
    return frame ^ noise
