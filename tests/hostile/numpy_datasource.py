"""Attack: np.lib.npyio.DataSource fetches a URL (here the host's TCP listener) and caches
it under a host directory: network and file write in one call.

Expected: rejected statically (`lib`, `DataSource`); at runtime the audit hook trips on the
first module it imports or socket it opens (violation); seccomp kills socket(), Landlock refuses the connect, and the
network namespace has no route to the host's loopback. No connection arrives.
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    source = np.lib.npyio.DataSource(config["target_dir"])
    with source.open(f"http://127.0.0.1:{config['tcp_port']}/frames.txt") as handle:
        return b"ESCAPED:" + handle.read().encode()[:1000]


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
