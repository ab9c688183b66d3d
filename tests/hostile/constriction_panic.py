"""Attack: a panic in the compiled coder. An invalid model parameter (a scale of zero) makes
constriction panic; pyo3 raises that as PanicException, a BaseException that an
`except Exception` does not catch, and prints the panic on the process's standard error.

Expected: passes static validation; the panic ends the role as an uncaught error (failed),
the sandbox stays usable and no panic text reaches the host.
"""
import constriction
import numpy as np


def compress_video_frame(frame, frame_index, config):
    coder = constriction.stream.stack.AnsCoder()
    try:
        coder.encode_reverse(np.zeros(8, np.int32), constriction.stream.model.QuantizedLaplace(-4, 4), np.zeros(8),
                             np.zeros(8))
    except Exception:
        return b"caught"
    return coder.get_compressed().tobytes()


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
