"""Attack: the decoder reads the test material as bytes with numpy.fromfile: the clip the
evaluator reads (bikes.mp4, inside an installed package), a video the host was given as
--input, a file of the project. Whatever it reads, it returns inside the decoded frame.

The old sandbox let it read the whole Python environment: bikes.mp4 came back.

Expected: rejected statically (`fromfile`); at runtime the open trips the audit hook
(violation); with only the kernel layers, and with bubblewrap or Landlock alone, none of the
paths is there to read, and the decoder fails. (seccomp allows reads: it is not claimed to
stop this.)
"""
import numpy as np


def compress_video_frame(frame, frame_index, config):
    return b""


def decompress_video_frame(data, frame_index, config):
    shape = (config["height"], config["width"], 3)
    for path in config.get("targets", []):
        try:
            content = np.fromfile(path, dtype=np.uint8, count=shape[0] * shape[1] * 3 - 8)
        except OSError:
            continue
        frame = np.zeros(shape[0] * shape[1] * 3, np.uint8)
        frame[:8] = np.frombuffer(b"ESCAPED:", np.uint8)
        frame[8:8 + content.size] = content
        return frame.reshape(shape)
    raise RuntimeError("none of the files could be read")
