"""Each test's material, drawn from a suite by a secret nonce, so that a candidate cannot know its frames.

A codec that recognises a public clip (by size, frame count and rate) could carry a few dozen KiB of it
in its source and "decode" it from nothing; one that knows how a stress or synthetic clip is generated
could regenerate it. So every test draws a fresh nonce, which the candidate never sees, and measures
on a variant of every clip that the nonce picks:

- real clips: a window of frames (a few frames shorter than the clip, at a drawn start), an even crop
  offset (a few pixels shorter on each side) and one of the eight flips and transpositions;
- the noise clip: new noise from a seed drawn from the nonce;
- the synthetic moving pattern: a drawn direction and speed of the pan, and a drawn disc colour.

Black and gray stay as they are: constant frames that carry nothing to recognise, and they never count
toward rate. The nonce is recorded with the test's result, after the test, so that an audit can draw the
very same material again (`materialise(suite, nonce)` is a pure function of both).

What the variants cost in comparability: rate and PSNR-Y of one codec move a little from nonce to nonce
(crop and window change the content slightly); bench/nonce_spread.py measures how much.
"""

from __future__ import annotations

import hashlib
import secrets

import numpy as np

from runner.evaluation.clips import Clip, Suite, moving_pattern, noise_frames

NONCE_BYTES = 16
WINDOW_SLACK_FRACTION = 10  # a real clip loses count // 10 frames, cut at a drawn start
CROP_STEP = 2  # crops keep even sizes and offsets (4:2:0 codecs)
CROP_SLACK_MAX = 8  # pixels taken from each dimension of a real clip, at most
CROP_SLACK_FRACTION = 40  # ... and at most 1/40 of that dimension


def draw_nonce() -> str:
    """A fresh secret for one test."""
    return secrets.token_hex(NONCE_BYTES)


def materialise(suite: Suite, nonce: str) -> Suite:
    """The suite's clips as this nonce varies them; the same nonce always gives the same frames."""
    return Suite(name=suite.name, clips=tuple(vary(clip, nonce) for clip in suite.clips))


def vary(clip: Clip, nonce: str) -> Clip:
    rng = _rng(nonce, clip.name)
    if clip.kind == "real":
        return Clip(clip.name, _vary_real(clip.frames, rng), clip.fps, clip.kind)
    if clip.name == "noise":
        return Clip(clip.name, noise_frames(clip.frames.shape, rng), clip.fps, clip.kind)
    if clip.name == "moving_pattern":
        count, height, width = clip.frames.shape[:3]
        step = (int(rng.integers(-4, 5)), int(rng.integers(-3, 4)))
        blue, green, red = (int(c) for c in rng.integers(0, 256, size=3))
        pattern = moving_pattern((width, height), count, step=step, disc_colour=(blue, green, red))
        return Clip(clip.name, pattern.frames, clip.fps, clip.kind)
    return clip


def _vary_real(frames: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    count, height, width = frames.shape[:3]
    slack = count // WINDOW_SLACK_FRACTION
    start = int(rng.integers(0, slack + 1))
    out = frames[start:start + count - slack]
    crop_h, crop_w = _crop_slack(height), _crop_slack(width)
    top = CROP_STEP * int(rng.integers(0, crop_h // CROP_STEP + 1))
    left = CROP_STEP * int(rng.integers(0, crop_w // CROP_STEP + 1))
    out = out[:, top:top + height - crop_h, left:left + width - crop_w]
    orientation = int(rng.integers(0, 8))
    if orientation & 1:
        out = out[:, :, ::-1]  # mirror left-right
    if orientation & 2:
        out = out[:, ::-1]  # upside down
    if orientation & 4:
        out = out.transpose(0, 2, 1, 3)  # rows become columns
    return np.ascontiguousarray(out)


def _crop_slack(size: int) -> int:
    slack = min(CROP_SLACK_MAX, size // CROP_SLACK_FRACTION)
    return slack - slack % CROP_STEP


def _rng(nonce: str, clip_name: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{nonce}\0{clip_name}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest, "big"))
