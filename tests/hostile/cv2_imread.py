"""Attack: cv2.imread reads a host image (planted by the test) from C++, where Python's
audit hook sees nothing, and returns it as the decoded frame.

Expected: rejected statically (`imread`). With static validation off the audit hook cannot
see it (OpenCV's C++ opens files directly): bubblewrap does not mount the file and Landlock
refuses the read, so imread returns None and the attack fails.
"""
import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    image = cv2.imread(f"{config['target_dir']}/planted.png")
    if image is None:
        raise RuntimeError("could not read the planted image")
    return b"ESCAPED:" + image.tobytes()[:1000]


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
