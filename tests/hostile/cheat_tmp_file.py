"""Metric cheat: the encoder writes each source frame to /tmp and sends no bytes; the
decoder reads the files back.

Expected: rejected statically (`save`, `load`); at runtime the open trips the audit hook
(violation). Below that: seccomp kills the write-open and Landlock refuses it; with
bubblewrap alone the file-size limit of 0 refuses the write (and were it allowed, it would
land in the encoder's private /tmp, which the decoder's separate sandbox cannot see).
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    np.save(f"/tmp/cheat-{frame_index}.npy", frame)
    return b""


def decompress_video_frame(data, frame_index, config):
    try:
        return np.load(f"/tmp/cheat-{frame_index}.npy")
    except OSError:
        return np.zeros((config["height"], config["width"], 3), np.uint8)
