"""Attack: importlib.import_module("socket") and a TCP connection to the host's listener.

Expected: rejected statically (importlib is not allowed); at runtime a violation; without
the audit layer seccomp kills socket(), Landlock refuses the TCP connect and the network
namespace has no route to the host's loopback. The listener sees no connection.
"""
import importlib

import numpy as np


def compress_video_frame(frame, frame_index, config):
    socket = importlib.import_module("socket")
    connection = socket.create_connection(("127.0.0.1", config["tcp_port"]), timeout=1)
    connection.sendall(b"pwned")
    return b"ESCAPED:connected"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
