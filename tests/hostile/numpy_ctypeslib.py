"""Attack: np.ctypeslib.load_library opens libc, and libc's system() runs a shell: native
code, beyond any Python-level guard once loaded.

Expected: rejected statically (`ctypeslib`); at runtime the audit hook trips on the
module's first file or on ctypes.dlopen (violation); seccomp kills the fork, Landlock refuses to execute /bin/sh, bubblewrap keeps
the write inside the sandbox.
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    libc = np.ctypeslib.load_library("libc.so.6", "/lib/x86_64-linux-gnu")
    if libc.system(f"touch {config['target_dir']}/numpy_ctypeslib".encode()) == 0:
        return b"ESCAPED:shell ran"
    raise RuntimeError("the shell did not run")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
