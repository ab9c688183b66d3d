"""Attack: reach os through an allowed module that imported it: `cv2.os`, `bz2.os`.

Expected: rejected statically (`os` is a forbidden attribute); at runtime the audit hook
trips on os.system (violation); the kernel layers stop the shell.
"""
import bz2

import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    posix = cv2.os if hasattr(cv2, "os") else bz2.os
    if posix.system(f"touch {config['target_dir']}/import_via_module_attribute") == 0:
        return b"ESCAPED:shell ran"
    raise RuntimeError("the shell did not run")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
