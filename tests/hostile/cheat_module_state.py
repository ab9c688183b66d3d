"""Metric cheat: the encoder sends no bytes and parks each source frame on a module both
roles import (json); the decoder "decodes" by reading them back. Zero bytes, perfect PSNR.

Expected: rejected by static validation (hasattr is not an allowed builtin, module attributes are
read-only); with validation off it runs ok, but the cheat finds nothing: the encoder and decoder
are separate processes (separate fork servers, separate bubblewrap instances), so the decoder
returns black frames.
"""
import json

import numpy as np


def compress_video_frame(frame, frame_index, config):
    if not hasattr(json, "stash"):
        json.stash = {}
    json.stash[frame_index] = frame.copy()
    return b""


def decompress_video_frame(data, frame_index, config):
    stash = json.stash if hasattr(json, "stash") else {}
    if frame_index in stash:
        return stash[frame_index]
    return np.zeros((config["height"], config["width"], 3), np.uint8)
