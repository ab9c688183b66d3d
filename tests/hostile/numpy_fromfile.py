"""Attack: np.fromfile reads the ledger's SQLite file and smuggles it out in the bytes.

Expected: rejected statically (`fromfile`); at runtime the open trips the audit hook
(violation); bubblewrap does not mount the host's /tmp and Landlock refuses the read.
(seccomp alone does not stop reads; it is not claimed to.)
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    ledger = np.fromfile(config["ledger"], dtype=np.uint8)
    return b"ESCAPED:" + ledger.tobytes()


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
