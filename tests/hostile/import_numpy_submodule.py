"""Attack: import a numpy submodule that reads files: numpy.ma.mrecords.fromtextfile.

Every part of the name is "numpy", so a check on the top-level name alone lets it through.
Expected: rejected statically (submodules are allow-listed too); at runtime the audit hook
trips on the first file the import opens (violation); without it Landlock and bubblewrap
keep the ledger unreadable.
"""
import numpy as np
import numpy.ma.mrecords


def compress_video_frame(frame, frame_index, config):
    records = numpy.ma.mrecords.fromtextfile(config["ledger"], delimiter="\x01")
    return b"ESCAPED:" + str(records)[:2000].encode()


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
