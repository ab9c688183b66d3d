"""Attack: touch the ledger's metadata: os.utime sets its timestamps to 1970 (utime is not a
write, and Landlock does not govern file metadata).

Expected: rejected statically (`os`); at runtime the os.utime audit event trips
(violation); seccomp kills utimensat (this was allowed before); bubblewrap does not mount
the file. Landlock alone does not stop it, and is not claimed to.
"""
import os

import numpy as np


def compress_video_frame(frame, frame_index, config):
    os.utime(config["ledger"], (0, 0))
    return b"ESCAPED:touched the ledger"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
