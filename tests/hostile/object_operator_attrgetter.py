"""Attack: operator.attrgetter("__globals__") reads a dunder attribute without attribute
syntax; the bz2 module's globals give the real builtins and `open`.

Expected: rejected statically (operator is neither importable nor reachable as an
attribute, and dunder strings are refused); at runtime the guarded import trips
(violation); the kernel layers refuse the write.
"""
import bz2
import operator

import numpy as np


def compress_video_frame(frame, frame_index, config):
    namespace = operator.attrgetter("__globals__")(bz2.compress)
    real_open = namespace["__builtins__"]["open"]
    with real_open(f"{config['target_dir']}/object_operator_attrgetter", "w") as handle:
        handle.write("pwned")
    return b"ESCAPED:wrote a file"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
