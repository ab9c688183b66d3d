"""Attack: read the ledger's SQLite file (in the host's working directory) with plain
open(), by absolute path and by a relative one, and return its bytes.

Expected: rejected statically (`open`); at runtime the guarded open trips (violation);
bubblewrap does not mount the file and Landlock refuses the read. (seccomp alone allows
reads and is not claimed to stop this.)
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    for path in (config["ledger"], config["ledger_name"]):
        try:
            with open(path, "rb") as handle:
                return b"ESCAPED:" + handle.read()
        except OSError:
            pass
    raise RuntimeError("the ledger could not be read")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
