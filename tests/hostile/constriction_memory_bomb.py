"""Attack: a huge allocation inside the compiled coder. The decoder asks constriction to
decode 2**34 symbols: the native coder allocates 64 GiB for the result at once.

Expected: passes static validation; the decoder's address-space limit refuses the native
allocation and Rust aborts the decoder (failed); the host's memory is never at stake.
"""
import constriction
import numpy as np


def compress_video_frame(frame, frame_index, config):
    coder = constriction.stream.stack.AnsCoder()
    coder.encode_reverse(np.zeros(16, np.int32), constriction.stream.model.Uniform(4))
    return coder.get_compressed().tobytes()


def decompress_video_frame(data, frame_index, config):
    coder = constriction.stream.stack.AnsCoder(np.frombuffer(data, np.uint32).copy())
    symbols = coder.decode(constriction.stream.model.Uniform(4), 1 << 34)
    return np.zeros((config["height"], config["width"], 3), np.uint8) + symbols[0]
