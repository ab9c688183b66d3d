"""Attack: connect to the host's abstract unix socket only: no path, so no file permission
or mount can hide it; only namespaces and Landlock's scoping can.

Expected: rejected statically (`socket`); at runtime the guarded import trips (violation);
seccomp kills socket(); Landlock's abstract-socket scope refuses the connect; bubblewrap's
network namespace has its own abstract names. The host's listener sees no connection.
"""
import socket

import numpy as np


def compress_video_frame(frame, frame_index, config):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(1)
        connection.connect("\0" + config["abstract_name"])
        connection.sendall(b"pwned")
    return b"ESCAPED:reached the abstract socket"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
