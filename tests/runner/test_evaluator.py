"""The evaluator's numbers come from real bytes and real decoded frames, and they repeat."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from runner.evaluation.clips import Suite, default_suite
from runner.evaluation.evaluator import evaluate_ladder, measure_point
from runner.evaluation.evaluator import test_candidate as run_adoption_test
from runner.sandbox.pipeline import Sandbox

EXAMPLES = Path(__file__).parent.parent.parent / "examples"
CANDIDATES = Path(__file__).parent.parent / "candidates"


def example(name: str) -> str:
    return (EXAMPLES / f"{name}.py").read_text()


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as box:
        yield box


@pytest.fixture(scope="module")
def bikes():
    return default_suite().clip("bikes")


def independent_jpeg(frames, fps, quality):
    """JPEG measured by hand: bytes from cv2.imencode, PSNR-Y from BT.601 luma."""
    total, psnrs = 0, []
    weights = np.array([0.114, 0.587, 0.299])  # B, G, R
    for frame in frames:
        _, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
        total += len(data)
        decoded = cv2.imdecode(data, cv2.IMREAD_COLOR)
        mse = np.mean((frame.astype(float) @ weights - decoded.astype(float) @ weights) ** 2)
        psnrs.append(min(100.0, 10 * np.log10(255 ** 2 / mse)) if mse else 100.0)
    return total * 8 / (len(frames) / fps) / 1000, float(np.mean(psnrs))


@pytest.mark.parametrize("quality", [20, 75])
def test_jpeg_candidate_reproduces_an_independent_measurement(sandbox, bikes, quality):
    point = measure_point(sandbox, example("jpeg_imencode"), bikes, quality)
    kbps, psnr = independent_jpeg(bikes.frames, bikes.fps, quality)
    assert point["success"]
    assert point["kbps"] == pytest.approx(kbps, rel=0.01)
    assert point["psnr_y"] == pytest.approx(psnr, abs=0.05)


def test_results_are_deterministic(sandbox, bikes):
    first = measure_point(sandbox, example("dct_codec"), bikes, 40)
    second = measure_point(sandbox, example("dct_codec"), bikes, 40)
    timing = ("encode_fps", "decode_fps")
    assert {k: v for k, v in first.items() if k not in timing} == {k: v for k, v in second.items() if k not in timing}


def test_ladder_has_rd_points_and_a_bd_rate_against_jpeg(sandbox):
    suite = Suite("bikes only", (default_suite().clip("bikes"),))
    report = evaluate_ladder(example("jpeg_imencode"), suite, (20, 50, 80), runner=sandbox)
    points = report["clips"]["bikes"]["points"]
    assert [p["quality"] for p in points] == [20, 50, 80]
    assert [p["kbps"] for p in points] == sorted(p["kbps"] for p in points)
    assert [p["psnr_y"] for p in points] == sorted(p["psnr_y"] for p in points)
    # The candidate is OpenCV JPEG itself, so it sits on the anchor's curve.
    assert abs(report["clips"]["bikes"]["bd_rate_vs_jpeg_pct"]) < 1.0


def test_matched_quality_is_the_lowest_meeting_the_target(sandbox, bikes):
    suite = default_suite()
    report = run_adoption_test(example("jpeg_imencode"), suite, target_psnr_y=35.0, sandbox=sandbox)
    assert report["verdict"]["category"] == "ok" and report["meets_target"]
    quality = report["quality"]
    assert report["summary"]["psnr_y"] >= 35.0
    # One step lower misses the target on the very material the test measured (its nonce, recorded).
    from runner.evaluation.material import materialise
    from runner.evaluation.measure import summarise

    material = materialise(suite, report["provenance"]["nonce"]).real_clips()
    below = summarise([(clip, measure_point(sandbox, example("jpeg_imencode"), clip, quality - 1))
                       for clip in material])
    assert below["psnr_y"] < 35.0
    assert set(report["clips"]) == {clip.name for clip in suite.clips}
    assert all(point["success"] for point in report["clips"].values())
    # The summary is over the real clips alone: the stress clips do not count toward rate.
    real = [clip.name for clip in suite.real_clips()]
    assert len(real) >= 5
    assert report["summary"]["bytes"] == sum(report["clips"][name]["bytes"] for name in real)
    assert "ladder" not in report


def test_the_bd_rate_policy_tests_a_ladder_on_every_real_clip_and_decides_on_it(sandbox):
    from domain.policy import BD_GAIN, BD_RATE, CLIP_VETO, Policy, decide
    from runner.evaluation.evaluator import DEFAULT_QUALITIES, adoption_test

    suite, policy = default_suite(), Policy(name=BD_RATE)
    jpeg = adoption_test(example("jpeg_imencode"), suite, policy, sandbox=sandbox)
    assert jpeg["verdict"]["category"] == "ok"
    assert set(jpeg["ladder"]) == {clip.name for clip in suite.real_clips()}
    for curve in jpeg["ladder"].values():
        assert [p["quality"] for p in curve] == list(DEFAULT_QUALITIES)
        assert [p["kbps"] for p in curve] == sorted(p["kbps"] for p in curve)
        assert [p["psnr_y"] for p in curve] == sorted(p["psnr_y"] for p in curve)
    # The decision quality is the lowest rung meeting the target, measured again on every clip.
    meeting = [q for q in DEFAULT_QUALITIES if q >= jpeg["quality"]]
    assert jpeg["summary"]["psnr_y"] >= 35.0 and jpeg["quality"] == meeting[0]
    assert set(jpeg["clips"]) == {clip.name for clip in suite.clips}
    # A lossless codec ignores the quality setting: one point per clip, a flat line at its rate; JPEG needs far
    # fewer bits over the range on every clip, so the lossless one is vetoed against it, and JPEG adopted.
    lossless = adoption_test(example("zlib_lossless"), suite, policy, sandbox=sandbox)
    assert all(len({p["psnr_y"] for p in curve}) == 1 for curve in lossless["ladder"].values())
    assert decide(lossless, jpeg, policy).rule == CLIP_VETO
    adopted = decide(jpeg, lossless, policy)
    assert adopted.adopted and adopted.rule == BD_GAIN


def test_lossless_codec_needs_no_quality(sandbox):
    report = run_adoption_test(example("zlib_lossless"), default_suite(), sandbox=sandbox)
    assert report["quality"] == 0
    assert report["summary"]["psnr_y"] == 100.0
    assert report["summary"]["ratio"] > 1.0


def test_a_failing_candidate_fails_the_test(sandbox):
    report = run_adoption_test((CANDIDATES / "crash_exception.py").read_text(), default_suite(), sandbox=sandbox)
    assert report["verdict"]["category"] == "failed"
    assert report["verdict"]["frame"] == 2
    assert report["meets_target"] is False


def test_a_rejected_candidate_never_runs():
    report = run_adoption_test((CANDIDATES / "imports_os.py").read_text(), default_suite())
    assert report["verdict"]["category"] == "rejected"
    assert report["summary"] is None and report["clips"] == {}


def test_a_nondeterministic_codec_fails_the_adoption_test(sandbox):
    source = (Path(__file__).parent.parent / "hostile" / "nondeterministic_clock.py").read_text()
    # One real clip: each run of this codec waits for the next second, and the check is the same on every clip.
    report = run_adoption_test(source, Suite("bikes only", (default_suite().clip("bikes"),)), sandbox=sandbox)
    assert report["verdict"]["category"] == "failed"
    assert "second run" in report["verdict"]["message"] or "differ" in report["verdict"]["message"]
    assert report["meets_target"] is False


def test_evaluate_flags_a_nondeterministic_codec(sandbox):
    source = (Path(__file__).parent.parent / "hostile" / "nondeterministic_clock.py").read_text()
    suite = Suite("bikes only", (default_suite().clip("bikes"),))
    report = evaluate_ladder(source, suite, (30, 70), runner=sandbox)
    assert report["verdict"]["category"] == "failed"
    assert "not deterministic" in report["verdict"]["message"]


def test_a_test_past_its_budget_ends_in_timeout_without_figures(sandbox):
    report = run_adoption_test(example("dct_codec"), default_suite(), sandbox=sandbox, budget_seconds=0.3)
    assert report["verdict"]["category"] == "timeout"
    assert "budget of 0.3 s" in report["verdict"]["message"]
    assert report["summary"] is None and report["clips"] == {} and report["meets_target"] is False


def test_the_decision_quality_keeps_each_frames_hash(sandbox):
    report = run_adoption_test(example("jpeg_imencode"), default_suite(), sandbox=sandbox)
    for point in report["clips"].values():
        assert len(point["frame_sha256"]) == point["frames"]
        assert all(len(h) == 16 for h in point["frame_sha256"])
