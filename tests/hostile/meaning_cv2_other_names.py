"""Attack: OpenCV reads files under names no list of file functions had:
cv2.loadGaussianSplats parses a PLY scene from any path, cv2.FontFace_setBuiltinFont loads
a font file, cv2.XFeat_create an ONNX model; the attack points them at the ledger and at the
file the test planted on the host, and returns whatever came back.

Expected: rejected statically (none of these is in cv2's allow-list; each passed validation
before). The audit hook cannot see OpenCV's C++ file I/O; bubblewrap does not mount the
files and Landlock refuses the reads, so every load fails.
"""
import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    found = []
    for path in (config["ledger"], f"{config['target_dir']}/planted_tensor.pb"):
        for load in (cv2.loadGaussianSplats, cv2.XFeat_create):
            try:
                loaded = load(path)
            except cv2.error:
                continue
            if loaded is not None:
                found.append(repr(loaded))
        if cv2.FontFace_setBuiltinFont("sans", path):
            found.append("font loaded")
    if found:
        return b"ESCAPED:" + " ".join(found).encode()[:4096]
    raise RuntimeError("no file could be read")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
