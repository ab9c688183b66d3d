"""Metric cheat: an encoder whose bytes depend on a clock (cv2.getTickCount), so that the
stream, and anything decided from it, changes from run to run.

Expected: passes static validation and a single run says ok; Sandbox.run_twice finds the
compressed bytes differ between two runs on the same frames and fails it ("not
deterministic").
"""
import struct

import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    return struct.pack("<q", cv2.getTickCount()) + frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    return np.frombuffer(data[8:], np.uint8).reshape(config["height"], config["width"], 3)
