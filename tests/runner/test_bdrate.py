"""BD-rate and BD-PSNR between rate-distortion curves."""

from __future__ import annotations

import random

import pytest

from runner.evaluation.bdrate import bd_psnr, bd_rate

ANCHOR = [(120.0, 30.1), (210.0, 33.0), (390.0, 36.2), (700.0, 39.1), (1300.0, 42.4)]


def scaled(curve, factor):
    return [(rate * factor, psnr) for rate, psnr in curve]


def test_identical_curves_differ_by_nothing():
    assert bd_rate(ANCHOR, ANCHOR) == pytest.approx(0.0, abs=1e-9)
    assert bd_psnr(ANCHOR, ANCHOR) == pytest.approx(0.0, abs=1e-9)


def test_half_and_double_the_rate():
    assert bd_rate(ANCHOR, scaled(ANCHOR, 0.5)) == pytest.approx(-50.0, abs=1e-9)
    assert bd_rate(ANCHOR, scaled(ANCHOR, 2.0)) == pytest.approx(100.0, abs=1e-9)
    assert bd_rate(scaled(ANCHOR, 0.5), ANCHOR) == pytest.approx(100.0, abs=1e-9)


def test_a_better_codec_needs_fewer_bits():
    better = [(rate, psnr + 1.5) for rate, psnr in ANCHOR]
    assert bd_rate(ANCHOR, better) < -10
    assert bd_psnr(ANCHOR, better) == pytest.approx(1.5, abs=1e-9)
    assert bd_rate(better, ANCHOR) > 10


def test_partial_overlap_uses_the_shared_interval():
    # The test curve only covers 33-39 dB, where its points are half the anchor's rate. Only the
    # interpolation between those points differs (PCHIP slopes at a curve's ends use one side).
    half = [point for point in scaled(ANCHOR, 0.5) if 33.0 <= point[1] <= 39.1]
    assert bd_rate(ANCHOR, half) == pytest.approx(-50.0, abs=0.5)


def test_order_duplicates_and_unusable_points_do_not_matter():
    shuffled = ANCHOR[:]
    random.Random(4).shuffle(shuffled)
    messy = shuffled + [(0.0, 35.0), (-5.0, 31.0), (300.0, None), (None, 33.3), (2000.0, 36.2)]
    # (2000, 36.2) shares a PSNR with (390, 36.2): the cheaper one stays.
    half = scaled(ANCHOR, 0.5)
    assert bd_rate(messy, half) == pytest.approx(-50.0, abs=1e-9)


def test_no_answer_without_two_points_or_overlap():
    assert bd_rate(ANCHOR, [(100.0, 35.0)]) is None
    assert bd_rate([], ANCHOR) is None
    assert bd_rate(ANCHOR, [(100.0, 35.0), (100.0, None), (0.0, 37.0)]) is None
    high = [(rate, psnr + 20) for rate, psnr in ANCHOR]  # 50-62 dB against 30-42 dB
    assert bd_rate(ANCHOR, high) is None
    assert bd_psnr(ANCHOR, scaled(ANCHOR, 100)) is None  # no shared rate interval
