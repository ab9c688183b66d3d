"""Each test's material: drawn from the suite by a nonce, reproducible from it, unknowable without it."""

from __future__ import annotations

import numpy as np
import pytest

from runner.evaluation.clips import default_suite
from runner.evaluation.evaluator import measure_point
from runner.evaluation.evaluator import test_candidate as run_adoption_test
from runner.evaluation.material import draw_nonce, materialise, vary
from runner.sandbox.inprocess import InProcessRunner
from tests.runner.test_evaluator import example

SUITE = default_suite()


def frames_of(suite):
    return {clip.name: clip.frames for clip in suite.clips}


def test_the_same_nonce_gives_the_same_material():
    nonce = draw_nonce()
    first, second = frames_of(materialise(SUITE, nonce)), frames_of(materialise(SUITE, nonce))
    assert all(np.array_equal(first[name], second[name]) for name in first)


@pytest.mark.parametrize("name", ["bikes", "noise", "moving_pattern"])
def test_other_nonces_give_other_frames(name):
    clip = SUITE.clip(name)
    variants = [vary(clip, draw_nonce()).frames for _ in range(6)]
    assert all(not np.array_equal(v, clip.frames[: len(v)]) or v.shape != clip.frames.shape for v in variants)
    assert len({v.tobytes() for v in variants}) == len(variants)


def test_constant_clips_stay_as_they_are():
    for name in ("black", "gray"):
        assert vary(SUITE.clip(name), draw_nonce()) is SUITE.clip(name)


def test_a_real_clips_variant_is_a_window_crop_and_orientation_of_it():
    bikes = SUITE.clip("bikes")
    for _ in range(8):
        variant = vary(bikes, draw_nonce()).frames
        assert len(variant) == bikes.count - bikes.count // 10
        assert sorted(variant.shape[1:3]) == [148, 344]  # bikes is 352x150: 8 and 2 pixels cropped
        assert _found_in(variant[0], bikes.frames)


def _found_in(frame, original) -> bool:
    """frame is one of the original's frames, cropped, after one of the eight flips and transpositions."""
    h, w = frame.shape[:2]
    for source in original:
        for oriented in _orientations(frame):
            oh, ow = oriented.shape[:2]
            for top in range(0, source.shape[0] - oh + 1, 2):
                for left in range(0, source.shape[1] - ow + 1, 2):
                    if np.array_equal(source[top:top + oh, left:left + ow], oriented):
                        return True
    return False


def _orientations(frame):
    """The frame as it may have stood in the original: undo a transposition, then each flip."""
    for base in (frame, frame.transpose(1, 0, 2)):
        for flip_rows in (False, True):
            for flip_cols in (False, True):
                out = base[::-1] if flip_rows else base
                yield out[:, ::-1] if flip_cols else out


def test_a_test_records_its_nonce_and_an_audit_reproduces_it():
    runner = InProcessRunner()  # trusted example code: the arithmetic, not the isolation, is under test
    result = run_adoption_test(example("jpeg_imencode"), SUITE, sandbox=runner)
    nonce, quality = result["provenance"]["nonce"], result["quality"]
    again = measure_point(runner, example("jpeg_imencode"), materialise(SUITE, nonce).clip("bikes"), quality,
                          twice=True)
    recorded = result["clips"]["bikes"]
    assert (again["bytes"], again["psnr_y"]) == (recorded["bytes"], recorded["psnr_y"])
    assert again["frame_sha256"] == recorded["frame_sha256"]
