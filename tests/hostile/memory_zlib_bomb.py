"""Attack: a decompression bomb in the decoder. The encoder sends a few kilobytes that
inflate, in two rounds, to 2 GiB of zeros (the inner stream is one deflate block of zeros
repeated: after a full flush a block refers to nothing before it); the decoder inflates it.

Expected: passes static validation; the decoder's address-space limit stops it: oom.
"""
import zlib

import numpy as np


def compress_video_frame(frame, frame_index, config):
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(1 << 20)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    return zlib.compress(first + block * 2047 + compressor.flush(), 9)


def decompress_video_frame(data, frame_index, config):
    inflated = zlib.decompress(zlib.decompress(data), -15)
    return np.frombuffer(inflated[: config["height"] * config["width"] * 3], np.uint8).reshape(
        config["height"], config["width"], 3)
