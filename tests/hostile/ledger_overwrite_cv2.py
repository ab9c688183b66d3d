"""Attack: overwrite the ledger's SQLite file from C++: cv2.FileStorage with an explicit
format ignores the ".db" extension and truncates the file.

Expected: rejected statically (`FileStorage`). The audit hook cannot see it; seccomp kills
the write-open, Landlock refuses it, bubblewrap does not mount the file. The ledger's bytes
and timestamps are unchanged.
"""
import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    storage = cv2.FileStorage(config["ledger"], cv2.FILE_STORAGE_WRITE | cv2.FILE_STORAGE_FORMAT_YAML)
    if not storage.isOpened():
        raise RuntimeError("could not open the ledger")
    storage.write("pwned", 1)
    storage.release()
    return b"ESCAPED:overwrote the ledger"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
