"""Attack: cv2.FileStorage writes a YAML file on the host, from C++.

Expected: rejected statically (`FileStorage`). At runtime seccomp kills the write-open,
Landlock refuses it, bubblewrap confines it.
"""
import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    storage = cv2.FileStorage(f"{config['target_dir']}/cv2_filestorage.yml", cv2.FILE_STORAGE_WRITE)
    storage.write("frame", frame)
    storage.release()
    return b"ESCAPED:stored"


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
