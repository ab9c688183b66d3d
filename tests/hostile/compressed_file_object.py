"""Attack: the allowed compression modules open files themselves: bz2.BZ2File(path, "w")
and lzma.LZMAFile write to any path.

Expected: rejected statically (`BZ2File`, `LZMAFile`; it passed validation before). At
runtime the open trips the audit hook (violation); seccomp kills the write-open, Landlock
refuses it, bubblewrap confines it.
"""
import bz2

import numpy as np


def compress_video_frame(frame, frame_index, config):
    with bz2.BZ2File(f"{config['target_dir']}/compressed_file_object.bz2", "w") as handle:
        handle.write(frame.tobytes())
    return b"ESCAPED:written"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
