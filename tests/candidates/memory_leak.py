"""Out of memory: module state that grows by 512 MiB a frame."""
import numpy as np

hoard = []


def compress_video_frame(frame, frame_index, config):
    for _ in range(8):
        hoard.append(np.ones((64 << 20,), np.uint8))
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    return np.frombuffer(data, np.uint8).reshape(config["height"], config["width"], 3)
