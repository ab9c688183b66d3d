"""Attack: start threads (to escape the per-frame clock, or to keep working between frames),
through threading.

Expected: rejected statically (`threading`); at runtime the guarded import trips
(violation); seccomp kills clone(). (Inside bubblewrap or Landlock alone a thread has no
effect outside the sandbox; those layers are not claimed to stop it.)
"""
import threading

import numpy as np

results = []


def compress_video_frame(frame, frame_index, config):
    worker = threading.Thread(target=results.append, args=(frame_index,))
    worker.start()
    worker.join()
    return b"thread ran" if results else b""


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
