"""Attack: evaluation through an alias. `run = eval` then `run(<source>)`, with the source
assembled from pieces so that no forbidden word appears in any string.

Expected: rejected statically (eval is a forbidden name, even as a value); at runtime the
guarded `eval` trips (violation); the kernel layers refuse the write the code attempts.
"""
import numpy as np

run = eval


def compress_video_frame(frame, frame_index, config):
    path = f"{config['target_dir']}/eval_alias"
    run("op" + "en(" + repr(path) + ", 'w').write('pwned')")
    return b"ESCAPED:evaluated"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
