"""Attack: np.lib.format.open_memmap creates a .npy file and maps it for writing.

Expected: rejected statically (`lib`, `open_memmap`); at runtime the open trips the audit
hook (violation); seccomp kills the write-open, Landlock refuses it, bubblewrap confines it.
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    mapped = np.lib.format.open_memmap(f"{config['target_dir']}/numpy_lib_format.npy", mode="w+",
                                       dtype=np.uint8, shape=frame.shape)
    mapped[:] = frame
    mapped.flush()
    return b"ESCAPED:mapped"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
