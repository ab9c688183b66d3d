"""Metric cheat: an encoder whose bytes depend on the clock, so that the stream, and anything decided
from it, changes from run to run. OpenCV's tick counters and numpy.datetime64 are refused statically
and the sandbox has no time module; what is left is numpy parsing the string "now" as a date, to the
second. The encoder waits for the next second to start, so two runs always differ.

Expected: passes static validation and a single run says ok; Sandbox.run_twice finds the
compressed bytes differ between two runs on the same frames and fails it ("not
deterministic").
"""
import struct

import numpy as np


def _second():
    return int(np.array(["now"], dtype="datetime64[s]").view(np.int64)[0])


def compress_video_frame(frame, frame_index, config):
    if frame_index == 0:
        start = _second()
        while _second() == start:
            pass
    return struct.pack("<q", _second()) + frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    return np.frombuffer(data[8:], np.uint8).reshape(config["height"], config["width"], 3)
