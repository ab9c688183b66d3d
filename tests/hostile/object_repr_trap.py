"""Attack: a trap for the tripwire itself. The audit layer describes what it refuses, and it
used to call repr() on the argument: an object whose __repr__ never returns turned the
violation report into a hang, and a __repr__ can run any code inside the hook.

Expected: rejected statically (`open`); at runtime the guarded open refuses it and names
only the event, never calling the candidate's __repr__ (violation, at once; this timed out
before). Without the audit layer, open() of a non-path raises TypeError: failed.
"""
import numpy as np


class Trap:
    def __repr__(self):
        while True:
            pass


def compress_video_frame(frame, frame_index, config):
    open(Trap())
    return b"ESCAPED:opened"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
