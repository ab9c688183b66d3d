"""Attack: cv2.imwrite stores the source frame in a host file, from C++ (no audit event).

Expected: rejected statically (`imwrite`). At runtime the audit hook does not see C++ file
I/O, so the kernel layers hold: seccomp kills the write-open, Landlock refuses it, and
bubblewrap does not mount the host's /tmp. No file appears.
"""
import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    if cv2.imwrite(f"{config['target_dir']}/cv2_imwrite.png", frame):
        return b"ESCAPED:written"
    raise RuntimeError("imwrite failed")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
