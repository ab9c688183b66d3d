"""Attack: code the compiled coder calls back. A CustomModel's CDF is a Python function that
constriction calls from Rust while it encodes; this one reaches `open` through the builtins
of constriction's own package module and appends to the host's ledger from inside the call.

Expected: rejected statically (`__builtins__`, `write`); at runtime the audit hook sees the
open even though native code made the call (violation); bubblewrap does not mount the
ledger and Landlock refuses to write it.
"""
import constriction
import numpy as np


def reach_the_ledger(config):
    real_open = constriction.__builtins__["open"]
    with real_open(config["ledger"], "ab") as ledger:
        ledger.write(b"ESCAPED")
    return True


def compress_video_frame(frame, frame_index, config):
    def cdf(x):
        reach_the_ledger(config)
        return min(max((x + 0.5) / 2.0, 0.0), 1.0)

    model = constriction.stream.model.CustomModel(cdf, lambda q: q * 2.0 - 0.5, 0, 1)
    coder = constriction.stream.stack.AnsCoder()
    coder.encode_reverse(np.array([0, 1, 1], np.int32), model)
    return b"ESCAPED:the callback wrote the ledger" + coder.get_compressed().tobytes()


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
