"""Attack: send UDP datagrams to the host's 127.0.0.1 (UDP needs no connection, and
Landlock's network rules cover TCP only).

Expected: rejected statically (`socket`); at runtime the guarded import trips (violation);
seccomp kills socket(); the network namespace's loopback is not the host's. No datagram
arrives. (Landlock alone does not stop UDP, and is not claimed to.)
"""
import socket

import numpy as np


def compress_video_frame(frame, frame_index, config):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for _ in range(3):
            sender.sendto(b"pwned" + frame.tobytes()[:1000], ("127.0.0.1", config["udp_port"]))
    return b"sent"  # sendto() succeeds inside a network namespace too: the host listener decides


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
