"""Attack: `__import__("os")` at call time, with the module name built from pieces.

Expected: rejected statically (`__import__` is a forbidden name); at runtime the guarded
`__import__` trips (violation); without the audit layer the kernel layers stop the write.
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    posix = __import__("o" + "s")
    descriptor = posix.open(f"{config['target_dir']}/import_dunder", posix.O_CREAT | posix.O_WRONLY)
    posix.write(descriptor, b"pwned")
    return b"ESCAPED:wrote a file"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
