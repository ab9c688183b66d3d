"""Attack: a traceback's frames. Catch an exception raised by the worker's code path, take
`__traceback__.tb_frame`, walk `f_back` to the worker's frame, and use its globals: the
worker module imports os.

Expected: rejected statically (names starting with '_', tb_frame, f_back, f_globals); at
runtime reading tb_frame is an audit event (object.__getattr__) and trips the hook
(violation); the kernel layers stop the shell.
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    try:
        raise ValueError("climb")
    except ValueError as error:
        walker = error.__traceback__.tb_frame
    namespace = None
    while walker is not None:
        if "os" in walker.f_globals:
            namespace = walker.f_globals
        walker = walker.f_back
    if namespace["os"].system(f"touch {config['target_dir']}/object_traceback_frame") == 0:
        return b"ESCAPED:shell ran"
    raise RuntimeError("the shell did not run")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
