"""A candidate that knows the published clips gains nothing: each test measures on material drawn by a
nonce it never sees (runner/evaluation/material.py).

material_regenerate_clips.py rebuilds the seeded noise and the panning pattern from their public
recipes and sends no bytes. On the clips as published (what every test measured before the nonce) it
scores PSNR-Y 100 on both at 0 bytes; on the material of a test it is wrong on both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.evaluation.clips import default_suite
from runner.evaluation.evaluator import measure_point
from runner.evaluation.evaluator import test_candidate as run_adoption_test
from runner.evaluation.material import materialise
from runner.sandbox.pipeline import Sandbox

CHEAT = (Path(__file__).parent / "material_regenerate_clips.py").read_text()
REGENERATED = ("noise", "moving_pattern")


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as box:
        yield box


@pytest.mark.parametrize("name", REGENERATED)
def test_the_cheat_works_on_the_published_clips(sandbox, name):
    point = measure_point(sandbox, CHEAT, default_suite().clip(name), 50)
    assert point["success"] and point["bytes"] == 0 and point["psnr_y"] == 100.0


@pytest.mark.parametrize("name", REGENERATED)
def test_the_cheat_fails_on_a_tests_material(sandbox, name):
    clip = materialise(default_suite(), "a nonce the candidate never saw").clip(name)
    point = measure_point(sandbox, CHEAT, clip, 50)
    assert point["success"] and point["psnr_y"] < 20.0


def test_the_cheat_is_not_adopted_grade(sandbox):
    result = run_adoption_test(CHEAT, default_suite(), sandbox=sandbox)
    assert result["summary"]["psnr_y"] is None or result["summary"]["psnr_y"] < 20.0
    assert not result.get("meets_target")
