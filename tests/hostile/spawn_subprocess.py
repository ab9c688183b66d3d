"""Attack: subprocess.run a shell that writes a file on the host.

Expected: rejected statically (`subprocess`); at runtime the guarded import trips
(violation); seccomp kills the fork; Landlock refuses to execute /bin/sh; bubblewrap keeps
the write inside its private /tmp.
"""
import subprocess

import numpy as np


def compress_video_frame(frame, frame_index, config):
    subprocess.run(["/bin/sh", "-c", f"touch {config['target_dir']}/spawn_subprocess"], check=True)
    return b"ESCAPED:shell ran"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
