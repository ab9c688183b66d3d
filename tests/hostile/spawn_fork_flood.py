"""Attack: a (bounded) fork flood: 16 children that each spin, to starve the machine and
survive the candidate. Bounded so that a regression cannot hurt a shared machine.

Expected: rejected statically (`os`); at runtime the guarded import trips (violation);
seccomp kills the first fork. Where fork is allowed, the children die with the child's job
(the fork server ends leftovers) or with bubblewrap's pid namespace; starved of CPU, the
candidate may also time out.
"""
import os

import numpy as np


def compress_video_frame(frame, frame_index, config):
    for _ in range(16 if frame_index == 0 else 0):
        if os.fork() == 0:
            while True:
                pass
    return b"flooded"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
