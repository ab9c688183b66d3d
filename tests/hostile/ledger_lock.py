"""Attack: stall the ledger without writing it: open it read-only (which Landlock-free,
namespace-free seccomp allows) and take a POSIX lock on SQLite's lock bytes, so that the
host's next commit finds "database is locked".

Expected: rejected statically (`os`, `fcntl`); at runtime the guarded import trips
(violation); seccomp kills fcntl(F_SETLK) (this was allowed before); Landlock refuses the
open; bubblewrap does not mount the file.
"""
import fcntl
import os

import numpy as np


def compress_video_frame(frame, frame_index, config):
    descriptor = os.open(config["ledger"], os.O_RDONLY)
    fcntl.lockf(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB, 510, 1 << 30)
    return b"ESCAPED:locked the ledger"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
