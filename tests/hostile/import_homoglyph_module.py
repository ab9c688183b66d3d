"""Attack: a module name spelled with a Cyrillic letter (`ѕubprocess`, U+0455), which NFKC
does not fold, in the hope that a validator sees "not subprocess" and lets it through.

Expected: rejected statically (it is not on the allow-list, whatever it is); at runtime the
guarded import trips (violation) or, with no audit layer, the module does not exist (failed).
"""
import numpy as np
import ѕubprocess


def compress_video_frame(frame, frame_index, config):
    ѕubprocess.run(["touch", f"{config['target_dir']}/import_homoglyph_module"])
    return b"ESCAPED:subprocess ran"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
