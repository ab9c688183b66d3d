"""Attack: cv2.VideoCapture opens a URL through FFmpeg, from C++: a network request to the
host's TCP listener that no Python audit hook sees.

Expected: rejected statically (`VideoCapture`). At runtime: seccomp kills socket() (or the
thread FFmpeg starts), Landlock refuses the TCP connect, the network namespace has no route.
The listener sees no connection.
"""
import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    capture = cv2.VideoCapture(f"http://127.0.0.1:{config['tcp_port']}/stream.mjpg", cv2.CAP_FFMPEG,
                               [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, 1000])
    if capture.isOpened():
        return b"ESCAPED:opened the URL"
    raise RuntimeError("could not open the URL")


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
