"""Attack: make OpenCV's C++ allocator ask for ~7.5 GB (resize to 50000 x 50000 x 3).

Expected: passes static validation; the address-space limit makes OpenCV fail with
"Insufficient memory" / "Failed to allocate": oom.
"""
import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    huge = cv2.resize(frame, (50_000, 50_000), interpolation=cv2.INTER_NEAREST)
    return huge[:1, :1].tobytes()


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
