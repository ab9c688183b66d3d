"""Attack: OpenCV's model loaders read any path from C++: cv2.CascadeClassifier(path) on
OpenCV 4; this OpenCV 5 build moved the cascade classifier out, so the same read is made
with cv2.FileStorage(path, READ) on a YAML file planted on the host, whose value would come
back in the bytes.

Expected: rejected statically (`CascadeClassifier`, `FileStorage`). The audit hook cannot
see C++ file I/O; bubblewrap does not mount the file and Landlock refuses the read, so
nothing is loaded.
"""
import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    path = f"{config['target_dir']}/planted.yml"
    if hasattr(cv2, "CascadeClassifier"):
        if not cv2.CascadeClassifier(path).empty():
            return b"ESCAPED:loaded a host file"
    storage = cv2.FileStorage(path, cv2.FILE_STORAGE_READ)
    if storage.isOpened():
        return b"ESCAPED:" + storage.getNode("secret").string().encode()
    raise RuntimeError("could not read the planted file")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
