"""Attack: OpenCV's dnn module reads model files from any path, from C++:
cv2.dnn.readTensorFromONNX loads a tensor planted on the host by the test.

Expected: rejected statically (`dnn`; the flat aliases such as `dnn_Net` by prefix). The
audit hook cannot see C++ file I/O; bubblewrap does not mount the file and Landlock refuses
the read, so the load fails.
"""
import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    tensor = cv2.dnn.readTensorFromONNX(f"{config['target_dir']}/planted_tensor.pb")
    return b"ESCAPED:" + np.asarray(tensor).tobytes()


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
