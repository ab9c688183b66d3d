"""Attack: what constriction has beyond its allow-list. The raw extension module behind the
package (constriction.constriction) has a loader, and every file loader reads any path it is
given (get_data); the attack reads the host's ledger through it and sends it out as payload.

Expected: rejected statically (`constriction` is not on constriction's allow-list, nor may
`__loader__` be read); at runtime the loader's open trips the audit hook (violation);
bubblewrap does not mount the ledger and Landlock refuses to read it.
"""
import constriction
import numpy as np


def compress_video_frame(frame, frame_index, config):
    loader = constriction.constriction.__loader__
    return b"ESCAPED:" + loader.get_data(config["ledger"])


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
