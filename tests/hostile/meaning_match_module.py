"""Attack: a class pattern reads a module's attribute without attribute syntax:
`case object(test=run)` on the numpy module takes numpy's test runner, which imports pytest
and runs code from files (here the test suite of numpy.fft, with -p to load a plugin of the
attacker's naming).

Expected: rejected statically (class patterns only on plain built-in types; `test` is in no
module's allow-list, and this passed validation before). With static validation off the
runner's import of pytest trips the audit hook (violation); without the audit layer pytest
is not even in the sandbox's file view, so the import fails.
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    match np:
        case object(test=run):
            passed = run(label="fast", extra_argv=["-q", "-x", "-p", "no:cacheprovider"])
            return b"ESCAPED:ran the test suite: " + repr(passed).encode()
    return b""


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
