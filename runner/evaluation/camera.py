"""Real photographs moved as a camera would (pan, zoom): short clips with sub-pixel motion, deterministic.

The photographs are ones an installed package ships; the moves are affine warps with bicubic
interpolation (cv2.warpAffine), so every frame is a pure function of the photograph and the move.
"""

from __future__ import annotations

import importlib.util
import os

import cv2
import numpy as np

PHOTO_PACKAGE = "matplotlib"
PHOTO_DIR = ("mpl-data", "sample_data")


class PhotoMissing(Exception):
    """A photograph the suite needs is not installed; the message is one line naming it."""


def photo_path(name: str) -> str:
    """A photograph from matplotlib's sample data (located without importing matplotlib)."""
    spec = importlib.util.find_spec(PHOTO_PACKAGE)
    if spec is None or not spec.origin:
        raise PhotoMissing(f"cannot find {name!r}: {PHOTO_PACKAGE} is not installed")
    path = os.path.join(os.path.dirname(spec.origin), *PHOTO_DIR, name)
    if not os.path.isfile(path):
        raise PhotoMissing(f"cannot read photograph {path!r}: not found in the {PHOTO_PACKAGE} package")
    return path


def read_photo(name: str) -> np.ndarray:
    image = cv2.imread(photo_path(name), cv2.IMREAD_COLOR)
    if image is None:
        raise PhotoMissing(f"cannot read photograph {name!r}: not a readable image")
    return image


def _warp(image: np.ndarray, matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return cv2.warpAffine(image, matrix, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


def pan(image: np.ndarray, size: tuple[int, int], count: int, start: tuple[float, float],
        step: tuple[float, float]) -> np.ndarray:
    """count frames of a size (w, h) window whose top-left corner moves from start by step (x, y) per frame."""
    w, h = size
    out = np.empty((count, h, w, 3), np.uint8)
    for i in range(count):
        x, y = start[0] + step[0] * i, start[1] + step[1] * i
        out[i] = _warp(image, np.array([[1.0, 0.0, -x], [0.0, 1.0, -y]]), size)
    return out


def zoom(image: np.ndarray, size: tuple[int, int], count: int, centre: tuple[float, float], scale: float,
         rate: float, angle_step: float = 0.0) -> np.ndarray:
    """count frames of a size (w, h) view centred on centre, magnified by scale x rate**i in frame i (and turned
    by angle_step degrees per frame)."""
    w, h = size
    out = np.empty((count, h, w, 3), np.uint8)
    for i in range(count):
        matrix = cv2.getRotationMatrix2D(centre, angle_step * i, scale * rate**i)
        matrix[0, 2] += w / 2.0 - centre[0]  # bring the centre to the middle of the view
        matrix[1, 2] += h / 2.0 - centre[1]
        out[i] = _warp(image, matrix, size)
    return out
