"""Attack: fork a daemon that detaches (setsid, double fork) and outlives the candidate:
it waits, then writes a file, long after the verdict. Where fork is allowed it would also be
a process left behind, able to serve the next candidate in the same sandbox.

Expected: rejected statically (`os`, `time`); at runtime the guarded import trips
(violation); seccomp kills the fork. Where fork is allowed (seccomp off or unavailable), the
fork server, a child subreaper, kills whatever the child left behind as soon as it exits
(this was a hole: the daemon survived), and bubblewrap or Landlock stop the write.
"""
import os
import time

import numpy as np


def compress_video_frame(frame, frame_index, config):
    if frame_index == 0 and os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(2)
            with open(f"{config['target_dir']}/spawn_daemon", "w") as handle:
                handle.write("pwned")
        os._exit(0)
    return b"detached"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
