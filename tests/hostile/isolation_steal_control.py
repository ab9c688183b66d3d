"""Attack: reach the fork server's own descriptors from the child (its control link above
all, where the server's word comes from) through pidfd_getfd, or by reopening its
/proc/<pid>/fd entries, and speak for it with a forged end-of-child notice.

Expected: rejected statically (`ctypes`, `os`); at runtime the guarded import trips
(violation). seccomp kills pidfd_open. Without it the server cannot be reached: it is not
dumpable (so neither ptrace access nor its /proc/<pid>/fd is open to the child), bubblewrap
drops every capability, and Landlock refuses /proc and ptrace access outside its domain.
The candidate fails, and the next one is unaffected.
"""
import ctypes
import os

import numpy as np


def steal():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    server = os.getppid()
    stolen = []
    pidfd = libc.syscall(434, server, 0)  # pidfd_open
    if pidfd >= 0:
        for target in range(64):
            descriptor = libc.syscall(438, pidfd, target, 0)  # pidfd_getfd
            if descriptor >= 0:
                stolen.append(descriptor)
    for target in range(64):
        try:
            stolen.append(os.open(f"/proc/{server}/fd/{target}", os.O_RDONLY))
        except OSError:
            pass
    return stolen


def compress_video_frame(frame, frame_index, config):
    stolen = steal()
    for descriptor in stolen:
        try:
            os.write(descriptor, b'Z{"pid": 1, "code": 0}')
        except OSError:
            pass
    if stolen:
        return b"ESCAPED:" + str(stolen).encode()
    raise RuntimeError("the server's descriptors are out of reach")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
