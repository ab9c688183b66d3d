"""Attack: unicode look-alikes. `__ｉｍｐｏｒｔ__` (fullwidth) is NFKC-normalised by the parser to
`__import__`, and `ｅｖａｌ` to `eval`; the code hopes a validator compares raw text.

Expected: rejected statically (the AST holds the normalised names); at runtime the guarded
builtins trip (violation); the kernel layers stop the write.
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    shell = __ｉｍｐｏｒｔ__("os").system
    ｅｖａｌ("1")
    if shell(f"touch {config['target_dir']}/import_unicode_lookalike") == 0:
        return b"ESCAPED:shell ran"
    raise RuntimeError("the shell did not run")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
