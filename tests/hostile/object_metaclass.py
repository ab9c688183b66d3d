"""Attack: a metaclass runs code when a class is created; its `__new__` reaches
`type.__subclasses__` to find os and runs a shell while the class statement executes.

Expected: rejected statically (class keywords and dunder names); at runtime the audit hook
trips on os.system (violation); the kernel layers stop the shell.
"""
import numpy as np


class Finder(type):
    def __new__(mcs, name, bases, namespace):
        for cls in type.__subclasses__(object):
            if cls.__name__ == "_wrap_close":
                namespace["ran"] = cls.__init__.__globals__["system"](f"touch {namespace['target']}") == 0
        return super().__new__(mcs, name, bases, namespace)


def compress_video_frame(frame, frame_index, config):
    class Codec(metaclass=Finder):
        target = f"{config['target_dir']}/object_metaclass"
        ran = False

    if Codec.ran:
        return b"ESCAPED:shell ran"
    raise RuntimeError("the shell did not run")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
