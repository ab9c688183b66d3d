"""Measurement (point_metrics, summarise) and the reference codecs measured through it."""

from __future__ import annotations

import json
import math

import cv2
import numpy as np
import pytest

from domain.verdict import FAILED, OK, TIMEOUT, Verdict
from runner.evaluation.bdrate import bd_rate
from runner.evaluation.clips import Clip, default_suite, single_clip_suite
from runner.evaluation.measure import METRIC_KEYS, point_metrics, summarise
from runner.evaluation.references import (
    DEFAULT_LADDERS,
    REFERENCE_CODECS,
    available_codecs,
    reference_ladder,
    reference_point,
)

HAVE = set(available_codecs())
needs = {c: pytest.mark.skipif(c not in HAVE, reason=f"{c} not available here") for c in REFERENCE_CODECS}
OK_VERDICT = Verdict(OK, isolation="test")


@pytest.fixture(scope="module")
def bikes() -> Clip:
    return single_clip_suite().clip("bikes")  # 30 frames: the figures below are hand-measured on them


@pytest.fixture(scope="module")
def pattern() -> Clip:
    return default_suite().clip("moving_pattern")


def curve(points):
    return [(p["kbps"], p["psnr_y"]) for p in points]


# ---------------------------------------------------------------- measurement


def test_jpeg_through_point_metrics_matches_a_hand_measurement(bikes):
    sizes, decoded = [], []
    for frame in bikes.frames:
        ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 50])
        sizes.append(len(buf.tobytes()))
        decoded.append(cv2.imdecode(buf, cv2.IMREAD_COLOR))
    point = point_metrics(bikes, 50, sum(sizes), decoded, 0.5, 0.25, OK_VERDICT)

    # The same numbers by hand: 30 frames at 25 fps last 1.2 s.
    total = sum(sizes)
    kbps = total * 8 / (30 / 25) / 1000
    y_weights = np.array([0.114, 0.587, 0.299])
    per_frame = []
    for src, dec in zip(bikes.frames, decoded, strict=True):
        err = src.astype(np.float64) @ y_weights - dec.astype(np.float64) @ y_weights
        per_frame.append(10 * math.log10(255**2 / np.mean(err**2)))
    assert point["bytes"] == total
    assert point["kbps"] == pytest.approx(kbps, rel=1e-6)
    assert point["psnr_y"] == pytest.approx(np.mean(per_frame), abs=1e-3)
    assert point["mbps_30fps"] == pytest.approx(total * 8 / (30 / 30) / 1e6, rel=1e-5)
    assert point["bpp"] == pytest.approx(total * 8 / (30 * 352 * bikes.height), rel=1e-5)
    assert point["ratio"] == pytest.approx(30 * 352 * bikes.height * 3 / total, rel=1e-5)
    assert point["encode_fps"] == pytest.approx(60.0) and point["decode_fps"] == pytest.approx(120.0)
    assert point["success"] is True and point["verdict"]["category"] == OK
    assert set(METRIC_KEYS) <= set(point)
    # And the reference codec gives the very same figures.
    reference = reference_point("jpeg", bikes, 50)
    for key in ("bytes", "kbps", "psnr_y", "psnr_bgr", "ssim_y"):
        assert reference[key] == point[key]


def test_json_safe_plain_values(bikes):
    point = point_metrics(bikes, np.int64(7), 1234, bikes.frames, 0.1, 0.1, OK_VERDICT)
    assert json.loads(json.dumps(point)) == point
    assert all(type(v) in (int, float, bool, dict, type(None)) for v in point.values())
    assert point["quality"] == 7 and point["psnr_y"] == 100.0 and point["ssim_y"] == 1.0


def test_failures_have_no_quality(bikes):
    cases = {
        "none": (None, OK_VERDICT, FAILED),
        "short": (list(bikes.frames[:29]), OK_VERDICT, FAILED),
        "shape": ([f[:-2] for f in bikes.frames], OK_VERDICT, FAILED),
        "dtype": ([f.astype(np.float32) for f in bikes.frames], OK_VERDICT, FAILED),
        "timeout": (bikes.frames, Verdict(TIMEOUT, "took too long", isolation="test"), TIMEOUT),
    }
    for name, (decoded, verdict, category) in cases.items():
        point = point_metrics(bikes, 50, 5000, decoded, 1.0, 1.0, verdict)
        assert point["success"] is False, name
        assert point["verdict"]["category"] == category, name
        assert point["verdict"]["message"], name
        assert all(point[k] is None for k in ("psnr_y", "psnr_bgr", "ssim_y", "encode_fps", "decode_fps")), name
        assert point["bytes"] == 5000 and point["kbps"] == pytest.approx(5000 * 8 / 1.2 / 1000, abs=1e-4)
    short = point_metrics(bikes, 50, 5000, list(bikes.frames[:29]), 1.0, 1.0, OK_VERDICT)
    assert "29 of 30" in short["verdict"]["message"] and short["verdict"]["isolation"] == "test"


def test_a_non_finite_metric_fails_the_point(bikes):
    point = point_metrics(bikes, 50, 5000, bikes.frames, float("nan"), 1.0, OK_VERDICT)
    assert point["success"] is False
    assert point["verdict"]["category"] == FAILED and "non-finite metric encode_fps" in point["verdict"]["message"]
    assert point["psnr_y"] is None


def test_summarise_weights_by_frames(bikes, pattern):
    a = reference_point("jpeg", bikes, 30)
    b = reference_point("jpeg", pattern, 30)
    s = summarise([(bikes, a), (pattern, b)])
    assert s["quality"] == 30 and s["success"] is True
    assert s["bytes"] == a["bytes"] + b["bytes"] and s["frames"] == 40
    duration = 30 / 25 + 10 / 30
    assert s["kbps"] == pytest.approx(s["bytes"] * 8 / duration / 1000, rel=1e-6)
    assert s["psnr_y"] == pytest.approx((30 * a["psnr_y"] + 10 * b["psnr_y"]) / 40, abs=1e-4)
    assert s["ssim_y"] == pytest.approx((30 * a["ssim_y"] + 10 * b["ssim_y"]) / 40, abs=1e-6)
    raw = bikes.raw_bytes + pattern.raw_bytes
    assert s["ratio"] == pytest.approx(raw / s["bytes"], rel=1e-5)
    failed = point_metrics(pattern, 30, b["bytes"], None, None, None, OK_VERDICT)
    f = summarise([(bikes, a), (pattern, failed)])
    assert f["success"] is False and f["psnr_y"] is None and "moving_pattern" in f["verdict"]["message"]


# ---------------------------------------------------------------- reference codecs


def test_the_usual_codecs_are_available():
    assert {"jpeg", "webp"} <= HAVE
    assert set(DEFAULT_LADDERS) == set(REFERENCE_CODECS)
    with pytest.raises(ValueError):
        reference_point("mpeg1", default_suite().clip("gray"), 50)


@needs["x264"]
def test_x264_is_far_ahead_of_jpeg_on_bikes(bikes):
    jpeg = reference_ladder("jpeg", bikes)
    x264 = reference_ladder("x264", bikes)
    assert all(p["success"] for p in jpeg + x264)
    assert [p["quality"] for p in x264] == list(DEFAULT_LADDERS["x264"])
    assert all(p["crf"] == p["quality"] for p in x264)
    # Lower CRF, more bits and more quality; higher JPEG quality likewise.
    for ladder in (jpeg, x264):
        kbps, psnr = [p["kbps"] for p in ladder], [p["psnr_y"] for p in ladder]
        assert kbps == sorted(kbps) and psnr == sorted(psnr)
    # BT.601 through OpenCV: no ~42 dB ceiling from swscale's conversion at low CRF.
    assert x264[-1]["psnr_y"] > 42.0
    assert 0 < x264[0]["sei_bytes_excluded"] < 2000
    assert bd_rate(curve(jpeg), curve(x264)) < -60


@needs["x264"]
def test_x264_is_deterministic(bikes):
    first = reference_point("x264", bikes, 34)
    junk = [bytearray(997 * i) for i in range(1, 40)]  # another heap layout for the second run
    second = reference_point("x264", bikes, 34)
    del junk
    for key in ("bytes", "psnr_y", "psnr_bgr", "ssim_y"):
        assert first[key] == second[key]


@needs["x265"]
@needs["webp"]
def test_x265_and_webp_points(pattern):
    x265 = reference_point("x265", pattern, 28)
    webp = reference_point("webp", pattern, 50)
    jpeg = reference_point("jpeg", pattern, 50)
    for point in (x265, webp):
        assert point["success"] and point["psnr_y"] > 33 and 0 < point["ssim_y"] < 1
    assert x265["crf"] == 28 and x265["bytes"] < jpeg["bytes"] / 3
    assert webp["bytes"] < jpeg["bytes"]


@pytest.mark.parametrize("codec", ["x264", "x265", "jpeg"])
def test_odd_dimensions_round_trip(bikes, codec):
    if codec not in HAVE:
        pytest.skip(f"{codec} not available here")
    odd = Clip("odd", bikes.frames[:4, :149, :351], bikes.fps, "real")
    point = reference_point(codec, odd, 28 if codec != "jpeg" else 70)
    assert point["success"], point["verdict"]
    assert point["frames"] == 4 and point["psnr_y"] > 33
