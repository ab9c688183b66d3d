"""Attack: a decorator that rewrites the candidate's own globals. `@functools.wraps(bz2.compress,
updated=("__globals__",))` updates the decorated function's `__globals__` (this module's
namespace) with bz2's: afterwards the bare name `os` is defined here, and `os.system(...)`
contains no forbidden name or attribute at all.

Expected: rejected statically (wraps and the dunder string; it passed validation before).
At runtime os.system raises an audit event (violation); the kernel layers stop the shell.
"""
import bz2
import functools

import numpy as np


@functools.wraps(bz2.compress, assigned=(), updated=("__globals__",))
def borrow():
    pass


def compress_video_frame(frame, frame_index, config):
    if os.system(f"touch {config['target_dir']}/object_decorator_wraps") == 0:  # noqa: F821
        return b"ESCAPED:shell ran"
    raise RuntimeError("the shell did not run")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
