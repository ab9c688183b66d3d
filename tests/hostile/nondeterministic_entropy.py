"""Metric cheat: a decoder whose output depends on OS entropy (an unseeded generator), so
every measurement is a fresh draw: a lucky run can pass a quality target an unlucky one
misses, and no result can be reproduced.

Expected: passes static validation and a single run says ok; Sandbox.run_twice runs it
again on the same frames, finds the decoded frames differ, and fails it ("not
deterministic").
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    frame = np.frombuffer(data, np.uint8).reshape(config["height"], config["width"], 3)
    noise = np.random.default_rng().integers(0, 2, frame.shape, dtype=np.uint8)
    return frame ^ noise
