"""Attack: str.format_map on a literal, with a mapping whose values the template walks by
attribute: "{walker.gi_frame.f_back.f_globals}" prints the globals of the candidate's own
module, and from there "{walker.gi_frame.f_back.f_back.f_globals}" those of the sandbox's
worker (its modules, its functions).

Expected: rejected statically (format_map is not allowed at all: its fields can name any
attribute of any value in the mapping; it passed validation before). With static
validation off reading the generator's frame trips the audit hook (violation).
"""
import numpy as np


def peek(me):
    yield "{walker.gi_frame.f_back.f_back.f_globals}".format_map({"walker": me[0]})


def compress_video_frame(frame, frame_index, config):
    me = []
    walker = peek(me)
    me.append(walker)
    seen = next(walker)
    if "install_tripwire" in seen or "run_child" in seen:
        return b"ESCAPED:" + seen.encode()[:4096]
    raise RuntimeError("the worker's globals were not reached: " + seen[:200])


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
