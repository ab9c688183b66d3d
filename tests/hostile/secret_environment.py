"""Attack: read the API key the host process holds: os.environ, os.getenv, and the
environment blocks of this process, of the fork server and of pid 1 through /proc.

Expected: rejected statically (`os`, `open`); at runtime the guarded import trips
(violation). Below that there is nothing to find: the fork server and bubblewrap itself
start with an empty environment, so even an unconfined read returns no key.
"""
import os

import numpy as np


def compress_video_frame(frame, frame_index, config):
    found = [f"{name}={value}" for name, value in os.environ.items() if name == "ANTHROPIC_API_KEY"]
    for pid in ("self", str(os.getppid()), "1"):
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                found += [entry.decode(errors="replace") for entry in handle.read().split(b"\0")
                          if entry.startswith(b"ANTHROPIC_API_KEY=")]
        except OSError:
            pass
    if found:
        return b"ESCAPED:" + "\n".join(found).encode()
    raise RuntimeError("no key in sight")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
