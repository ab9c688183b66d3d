"""Attack: cv2.VideoWriter records the source frames into a host file, from C++.

Expected: rejected statically (`VideoWriter`). At runtime seccomp kills the write-open,
Landlock refuses it, bubblewrap confines it; no file appears on the host.
"""
import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    writer = cv2.VideoWriter(f"{config['target_dir']}/cv2_videowriter.avi", cv2.VideoWriter_fourcc(*"MJPG"),
                             30, (frame.shape[1], frame.shape[0]))
    opened = writer.isOpened()
    writer.write(frame)
    writer.release()
    if opened:
        return b"ESCAPED:recorded"
    raise RuntimeError("could not open the video file")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
