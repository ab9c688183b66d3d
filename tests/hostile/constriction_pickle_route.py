"""Attack: the pickling route through a constriction object. A coder's __reduce_ex__ would
hand out a reconstructor function from copyreg, whose __globals__ lead to sys.modules and
so to os; the attack runs a shell command through it.

Expected: rejected statically (`__reduce_ex__`, `__globals__`); at runtime constriction's
objects refuse to be pickled and the attribute walk trips the audit hook (violation or
failed); the kernel layers stop any shell.
"""
import constriction
import numpy as np


def compress_video_frame(frame, frame_index, config):
    coder = constriction.stream.stack.AnsCoder()
    reconstruct = coder.__reduce_ex__(2)[0]
    posix = reconstruct.__globals__["sys"].modules["os"]
    if posix.system(f"touch {config['target_dir']}/constriction_pickle_route") == 0:
        return b"ESCAPED:shell ran"
    raise RuntimeError("the shell did not run")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
