"""Attack: raise its own resource limits (address space, CPU time, file size) to escape the
memory and time caps.

Expected: rejected statically (`resource`); at runtime the guarded import trips
(violation); seccomp kills setrlimit/prlimit64 with a new limit; in bubblewrap's user
namespace, with every capability dropped, a hard limit cannot be raised (failed). (Landlock
does not govern limits and is not claimed to.)
"""
import resource

import numpy as np


def compress_video_frame(frame, frame_index, config):
    for limit in (resource.RLIMIT_AS, resource.RLIMIT_CPU, resource.RLIMIT_FSIZE):
        resource.setrlimit(limit, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    return b"ESCAPED:limits raised"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
