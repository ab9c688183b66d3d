"""Attack: np.load(..., allow_pickle=True) on a file planted on the host (evil.npy, made by
the test): unpickling it runs os.system("touch .../pickle_ran").

Expected: rejected statically (`load`); at runtime the open trips the audit hook
(violation); bubblewrap does not mount the file and Landlock refuses to read it; where the
file is readable (seccomp alone) the pickle's shell is killed by seccomp before it forks.
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    loaded = np.load(f"{config['target_dir']}/evil.npy", allow_pickle=True)
    return b"ESCAPED:" + repr(loaded).encode()[:1000]


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
