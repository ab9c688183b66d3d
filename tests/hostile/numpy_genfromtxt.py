"""Attack: np.genfromtxt reads the ledger file as text lines (it accepts any path).

Expected: rejected statically (`genfromtxt`); at runtime the audit hook trips on the first
module or file it opens (violation); bubblewrap and Landlock keep the file unreadable.
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    lines = np.genfromtxt(config["ledger"], dtype="S", delimiter="\x01", encoding="latin-1", invalid_raise=False)
    return b"ESCAPED:" + b"\n".join(np.atleast_1d(lines).tolist())


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
