"""Each frame through OpenCV's JPEG encoder at the configured quality (intra only)."""
import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(config["quality"])])
    return data.tobytes()


def decompress_video_frame(data, frame_index, config):
    return cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
