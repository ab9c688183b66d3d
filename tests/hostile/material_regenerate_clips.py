"""Metric cheat: regenerate the suite's public clips instead of coding them. The encoder sends
no bytes; the decoder rebuilds the seeded noise (its seed is in the project's source) and the
panning pattern (its formula too) from `config` alone, and black for anything else.

Expected: passes validation and runs ok. On the suite as published it scores PSNR-Y 100 on the
noise and the pattern at 0 bytes; on each test's material, drawn by a nonce the candidate never
sees, its frames are wrong (runner/evaluation/material.py).
"""
import math

import cv2
import numpy as np

NOISE_SEED = 20240601


def compress_video_frame(frame, frame_index, config):
    return b""


def _pattern(width, height, count, index):
    margin = 3 * count + 8
    yy, xx = np.mgrid[0:height + 2 * margin, 0:width + 2 * margin].astype(np.float64)
    base = np.stack([96 + 80 * np.sin(xx / 9.0) * np.cos(yy / 13.0),
                     40 + 160 * (xx + yy) / (width + height + 2 * margin),
                     128 + 60 * np.sign(np.sin(xx / 6.0) * np.sin(yy / 6.0))], axis=-1)
    base = np.clip(np.rint(base), 0, 255).astype(np.uint8)
    top, left = margin - index, margin - 3 * index
    frame = base[top:top + height, left:left + width].copy()
    centre = (int(width * 0.2 + index * width * 0.06), int(height * 0.5 + 20 * math.sin(index / 2.0)))
    cv2.circle(frame, centre, height // 8, (30, 200, 240), thickness=-1, lineType=cv2.LINE_8)
    return frame


def decompress_video_frame(data, frame_index, config):
    width, height, count = config["width"], config["height"], config["frames"]
    if count == 3:  # the stress clips: the first of them is the seeded noise
        noise = np.random.default_rng(NOISE_SEED).integers(0, 256, size=(count, height, width, 3), dtype=np.uint8)
        return noise[frame_index]
    if count == 10:
        return _pattern(width, height, count, frame_index)
    return np.zeros((height, width, 3), np.uint8)
