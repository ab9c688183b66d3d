"""`evaluate` stops at the first timeout and says so; --frame-timeout and --timeout bound a frame and the whole
candidate (issue 16)."""

from __future__ import annotations

import json

import pytest

from tests.ledger.support import ROOT
from tests.runner.cli_support import piped, png_folder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return png_folder(tmp_path_factory.mktemp("clip") / "frames")


def points(document: dict) -> list[dict]:
    return [point for clip in document["clips"].values() for point in clip["points"]]


def test_a_hanging_codec_costs_one_frame_limit_not_every_run(clip):
    result = piped("evaluate", ROOT / "tests/candidates/hang_python.py", "-i", clip, "--frame-timeout", "1",
                   "--quality", "10,50,90", "--json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["verdict"]["category"] == "timeout"
    first, *later = points(document)
    assert first["verdict"]["category"] == "timeout" and not first["verdict"]["message"].startswith("not run")
    assert len(later) == 2 and all(p["verdict"]["message"].startswith("not run: ") for p in later)
    assert not any(p["success"] or p["psnr_y"] is not None for p in [first, *later])
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: stopped at the first timeout") and "2 later run(s) not started" in line


def test_the_candidate_s_budget_bounds_the_whole_evaluation(clip):
    result = piped("evaluate", ROOT / "examples/jpeg_imencode.py", "-i", clip, "--timeout", "1",
                   "--quality", "10,30,50,70,90", "--json")
    document = json.loads(result.stdout)
    if document["verdict"]["category"] == "ok":  # every run finished within the second: nothing to stop
        assert result.returncode == 0
        return
    assert result.returncode == 1 and document["verdict"]["category"] == "timeout"
    assert points(document)[-1]["verdict"]["message"].startswith("not run: ")
    assert "stopped at the first timeout" in result.stderr
