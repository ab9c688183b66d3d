"""Attack: climb out of a generator's frame. While a generator runs, `gi_frame.f_back` is
its caller's frame; walking up reaches the sandbox worker's own frames, whose `f_builtins`
are the real, unguarded builtins.

Expected: rejected statically (gi_frame, f_back, f_builtins); at runtime reading a frame
attribute is itself an audit event (object.__getattr__) and trips the hook (violation); the kernel layers refuse the write.
"""
import numpy as np


def climber():
    yield running.gi_frame.f_back


running = climber()


def compress_video_frame(frame, frame_index, config):
    walker, builtins = next(running), None
    while walker is not None:
        builtins, walker = walker.f_builtins, walker.f_back
    with builtins["open"](f"{config['target_dir']}/object_generator_frame", "w") as handle:
        handle.write("pwned")
    return b"ESCAPED:wrote a file"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
