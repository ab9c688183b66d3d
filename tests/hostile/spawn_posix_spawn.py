"""Attack: os.posix_spawn (vfork/clone3 underneath, not fork) of /usr/bin/touch.

Expected: rejected statically (`os`); at runtime the guarded import trips (violation);
seccomp kills clone/vfork/clone3; Landlock refuses the exec; bubblewrap confines the write.
"""
import os

import numpy as np


def compress_video_frame(frame, frame_index, config):
    pid = os.posix_spawn("/usr/bin/touch", ["touch", f"{config['target_dir']}/spawn_posix_spawn"], {})
    _, status = os.waitpid(pid, 0)
    if status == 0:
        return b"ESCAPED:spawned"
    raise RuntimeError("the spawned process failed")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
