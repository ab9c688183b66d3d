"""Attack: `from os import system` to run a shell command that writes a file on the host.

Expected: rejected statically (os is not on the import allow-list); with static validation
off the guarded import trips the audit hook (violation); without it seccomp kills the fork,
Landlock refuses the exec, and bubblewrap keeps the file inside its private /tmp.
"""
from os import system

import numpy as np


def compress_video_frame(frame, frame_index, config):
    if system(f"touch {config['target_dir']}/import_from_os") == 0:
        return b"ESCAPED:shell ran"
    raise RuntimeError("the shell did not run")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
