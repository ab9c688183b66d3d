"""Attack: a loop that swallows every exception, including the ones a Python-level timeout
(SIGALRM, KeyboardInterrupt) would raise, so that only an outside kill can end it.

Expected: passes static validation; the host's wall clock kills the process tree: timeout.
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
