"""Attack: ndarray.tofile appends raw frames to a host file, from numpy's C code.

Expected: rejected statically (`tofile`); at runtime the open trips the audit hook
(violation); seccomp kills the write-open, Landlock refuses it, bubblewrap confines it.
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    frame.tofile(f"{config['target_dir']}/numpy_tofile.raw")
    return b"ESCAPED:written"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
