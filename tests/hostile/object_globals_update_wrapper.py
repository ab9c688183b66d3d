"""Attack: read any attribute by a string. functools.update_wrapper(wrapper, wrapped,
updated=("__globals__",)) calls `getattr(wrapper, "__globals__").update(getattr(wrapped,
"__globals__"))`; with a class whose `__globals__` is our own dict, that dict receives bz2's
module globals: `os` and the real builtins, `open` included.

Expected: rejected statically (update_wrapper, wraps, dunder strings and type() with three
arguments are refused; this candidate passed validation before). At runtime the real `open`
raises an audit event (violation); below that, the kernel layers refuse the write.
"""
import bz2
import functools

import numpy as np

stolen = {}
Holder = type("Holder", (), {"__globals__": stolen})
functools.update_wrapper(Holder(), bz2.compress, assigned=(), updated=("__globals__",))


def compress_video_frame(frame, frame_index, config):
    real_open = stolen["__builtins__"]["open"]
    with real_open(f"{config['target_dir']}/object_globals_update_wrapper", "w") as handle:
        handle.write("pwned")
    return b"ESCAPED:wrote a file"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
