"""Attack: np.memmap(mode="w+") creates and maps a host file; writes through the mapping
never pass through write(2).

Expected: rejected statically (`memmap`); at runtime the audit hook trips on the import of
mmap (violation); seccomp kills the O_RDWR|O_CREAT open, Landlock refuses it, bubblewrap
confines it.
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    mapped = np.memmap(f"{config['target_dir']}/numpy_memmap.raw", dtype=np.uint8, mode="w+", shape=frame.shape)
    mapped[:] = frame
    mapped.flush()
    return b"ESCAPED:mapped"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
