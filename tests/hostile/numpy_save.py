"""Attack: np.save writes the source frame to a host path (a cache for a cheating decoder,
or simply a file planted on the host).

Expected: rejected statically (`save`); at runtime the open trips the audit hook
(violation); seccomp kills the write-open, Landlock refuses it, bubblewrap confines it.
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    np.save(f"{config['target_dir']}/numpy_save.npy", frame)
    return b"ESCAPED:saved"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
