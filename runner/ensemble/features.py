"""Simple content features of one frame, by which an ensemble routes a clip to a member.

`content_features` is written in the candidate dialect (numpy as np and cv2 only, no underscore
names) because it is one definition used twice: on the host, to place the suite's clips in feature
space when the routing rule is built, and, embedded as source, by the ensemble's encoder on the
first frame it sees. Every feature is invariant under the flips and transpositions that vary a
test's material, and is on a log scale so that distances between clips compare like with like.
"""

from __future__ import annotations

import cv2
import numpy as np

FEATURE_NAMES = ("detail", "contrast", "colour", "brightness")


def content_features(frame):
    """[detail, contrast, colour, brightness] of an H x W x 3 uint8 BGR frame."""
    ycc = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_BGR2YCrCb).astype(np.float32)
    luma = ycc[:, :, 0]
    detail = 0.0
    for axis in (0, 1):
        if luma.shape[axis] > 1:
            detail += float(np.mean(np.abs(np.diff(luma, axis=axis))))
    contrast = float(np.std(luma))
    colour = float(np.mean(np.abs(ycc[:, :, 1] - 128.0)) + np.mean(np.abs(ycc[:, :, 2] - 128.0)))
    brightness = float(np.mean(luma)) / 32.0
    return [round(float(np.log1p(value)), 4) for value in (detail, contrast, colour, brightness)]
