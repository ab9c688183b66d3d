"""Attack: forge a function from a code object. Take a harmless function's `__code__`,
`replace()` its constants with a path, and build a new function around it with the type of
any function; no exec, eval or compile is ever named.

Expected: rejected statically (names and attributes starting with '_'); at runtime the
audit hook trips as soon as `__code__` is read (object.__getattr__) (violation); the kernel
layers refuse the write.
"""
import numpy as np


def template():
    return open("PLACEHOLDER", "w").write("pwned")


def compress_video_frame(frame, frame_index, config):
    path = f"{config['target_dir']}/eval_code_object"
    constants = tuple(path if value == "PLACEHOLDER" else value for value in template.__code__.co_consts)
    code = template.__code__.replace(co_consts=constants)
    forged = type(template)(code, template.__globals__)
    forged()
    return b"ESCAPED:forged function ran"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
