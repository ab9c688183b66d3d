"""Attack: a format string reads attributes by name, and one built at run time escapes a
check on literals: the field "0.<dunder globals>[os].environ", assembled from pieces and
formatted with bz2.compress, prints os.environ, where the host's API key would be if the
sandbox inherited the environment.

Expected: rejected statically (`.format` on anything but a string literal; it passed
validation before). With static validation off it runs, and finds an empty environment:
the key is in no output (bubblewrap and the worker both start with a clean environment).
"""
import bz2

import numpy as np


def compress_video_frame(frame, frame_index, config):
    template = "{0." + "_" * 2 + "globals" + "_" * 2 + "[os].environ}"
    leaked = template.format(bz2.compress)
    if "ANTHROPIC" in leaked:
        return b"ESCAPED:" + leaked.encode()
    return leaked.encode()[:4096]


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
