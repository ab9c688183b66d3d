"""Attack: corrupt the ledger: open it read-write and overwrite its SQLite header.

Expected: rejected statically (`open`); at runtime the guarded open trips (violation);
seccomp kills the O_RDWR open, Landlock refuses it, bubblewrap does not mount the file.
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    with open(config["ledger"], "r+b") as handle:
        handle.write(b"pwned" * 20)
    return b"ESCAPED:corrupted the ledger"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
