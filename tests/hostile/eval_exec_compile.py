"""Attack: compile() then exec() of a code object built at run time, reached through the
real builtins of an allowed module (json's) rather than this module's guarded ones.

Expected: rejected statically (compile, exec, `__builtins__`); at runtime the compile and
exec audit events trip (violation); the kernel layers refuse the write.
"""
import json

import numpy as np


def compress_video_frame(frame, frame_index, config):
    real = json.dumps.__globals__["__builtins__"]
    path = f"{config['target_dir']}/eval_exec_compile"
    code = real["compile"](f"open({path!r}, 'w').write('pwned')", "<x>", "exec")
    real["exec"](code, {"__builtins__": real})
    return b"ESCAPED:executed"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
