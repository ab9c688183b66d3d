"""Attack: connect to a unix-domain socket the host listens on, by path (in the host's /tmp)
and by abstract name (abstract sockets have no file to protect).

Expected: rejected statically (`socket`); at runtime the guarded import trips (violation);
seccomp kills socket(); bubblewrap does not mount the path and its network namespace has its
own abstract names. (Landlock scopes abstract sockets but not connecting by path, so it is
not claimed to stop this on its own.)
"""
import socket

import numpy as np


def compress_video_frame(frame, frame_index, config):
    reached = []
    for address in (config["unix_path"], "\0" + config["abstract_name"]):
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                connection.settimeout(1)
                connection.connect(address)
                connection.sendall(b"pwned")
                reached.append(address)
        except OSError:
            pass
    if reached:
        return b"ESCAPED:reached " + repr(reached).encode()
    raise RuntimeError("no socket reached")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
