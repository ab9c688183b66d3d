"""Attack: typing evaluates string annotations. `typing.get_type_hints(f)` evals
"np.save(PATH, np.zeros(1))" in this module's namespace: an attribute the validator
forbids, hidden in a string the validator never reads as code.

Expected: rejected statically (get_type_hints; it passed validation before). At runtime the
eval raises an audit event (violation); without it Landlock and seccomp refuse the write and
bubblewrap confines it.
"""
import typing

import numpy as np

TARGET = "/tmp/object_typing_hints.npy"


def sink(value: "np.save(TARGET, np.zeros(1)) or int"):
    return value


def compress_video_frame(frame, frame_index, config):
    global TARGET
    TARGET = f"{config['target_dir']}/object_typing_hints.npy"
    typing.get_type_hints(sink)
    return b"ESCAPED:np.save ran"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
