"""Attack: every OpenCV Algorithm can `write(fileName)` its parameters: ORB_create().write
writes a file from C++ under a name ("write") the old deny-list did not cover.

Expected: rejected statically (`write`; it passed validation before). At runtime seccomp
kills the write-open, Landlock refuses it, bubblewrap confines it.
"""
import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    path = f"{config['target_dir']}/cv2_feature_write.yml"
    cv2.ORB_create().write(path)  # logs, rather than raises, when it cannot write
    if cv2.FileStorage(path, cv2.FILE_STORAGE_READ).isOpened():
        return b"ESCAPED:written"
    raise RuntimeError("the file was not written")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
