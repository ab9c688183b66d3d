"""Attack: the classic object walk. `().__class__.__base__.__subclasses__()` lists every
class loaded; os._wrap_close's `__init__.__globals__` is the os module, whose `system` runs
a shell.

Expected: rejected statically (attributes starting with '_'); at runtime the audit hook
trips on os.system (violation); without it seccomp kills the fork, Landlock refuses to
execute the shell and bubblewrap keeps the write inside the sandbox.
"""
import numpy as np


def os_namespace():
    for cls in ().__class__.__base__.__subclasses__():
        if cls.__name__ == "_wrap_close":
            return cls.__init__.__globals__
    raise RuntimeError("os._wrap_close not found")


def compress_video_frame(frame, frame_index, config):
    if os_namespace()["system"](f"touch {config['target_dir']}/object_subclasses") == 0:
        return b"ESCAPED:shell ran"
    raise RuntimeError("the shell did not run")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
