"""Attack: a format string on a literal reads attributes by name, none of them starting with
an underscore: "{0.gi_frame.f_back.f_back.f_locals}" formats a running generator into the
local variables of the sandbox's own code that called the encoder (its job, its channel).

Expected: rejected statically (format fields may only be plain positions or names; this
passed validation before, which only looked for an underscore after '.' or '['). With
static validation off reading the generator's frame trips the audit hook (violation).
"""
import numpy as np


def peek(me):
    yield "{0[0].gi_frame.f_back.f_back.f_locals}".format(me)


def compress_video_frame(frame, frame_index, config):
    me = []
    walker = peek(me)
    me.append(walker)
    seen = next(walker)
    if "channel" in seen or "job" in seen:
        return b"ESCAPED:" + seen.encode()[:4096]
    raise RuntimeError("the worker's frame was not reached: " + seen[:200])


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
