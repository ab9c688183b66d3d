"""Bjontegaard-delta comparisons of two rate-distortion curves (VCEG-M33, piecewise-cubic interpolation)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
from scipy.interpolate import PchipInterpolator

Point = Sequence[float | None]  # (kbps, psnr_y)


def _usable(points: Iterable[Point]) -> tuple[np.ndarray, np.ndarray]:
    """(log10 rate, psnr) of the usable points, sorted by psnr, one point per distinct psnr.

    Points without a positive finite rate or a finite psnr are dropped. Where two points share a
    psnr, the cheaper one stays: it is the one an encoder would choose."""
    best: dict[float, float] = {}
    for point in points:
        rate, psnr = point[0], point[1]
        if rate is None or psnr is None:
            continue
        rate, psnr = float(rate), float(psnr)
        if not (math.isfinite(rate) and math.isfinite(psnr)) or rate <= 0:
            continue
        best[psnr] = min(rate, best.get(psnr, math.inf))
    psnrs = sorted(best)
    return np.log10([best[p] for p in psnrs]), np.array(psnrs)


def bd_rate(anchor: Iterable[Point], test: Iterable[Point]) -> float | None:
    """Average bitrate difference of test against anchor at equal PSNR-Y, in percent.

    Negative means the test needs fewer bits. log10(rate) is interpolated as a function of PSNR-Y
    with PCHIP and integrated over the PSNR interval both curves cover. None when either curve has
    fewer than two usable points or the curves do not overlap in PSNR."""
    log_a, q_a = _usable(anchor)
    log_t, q_t = _usable(test)
    if len(q_a) < 2 or len(q_t) < 2:
        return None
    lo, hi = max(q_a[0], q_t[0]), min(q_a[-1], q_t[-1])
    if not hi > lo:
        return None
    int_a = PchipInterpolator(q_a, log_a).integrate(lo, hi)
    int_t = PchipInterpolator(q_t, log_t).integrate(lo, hi)
    mean_diff = (int_t - int_a) / (hi - lo)
    return float((10.0**mean_diff - 1.0) * 100.0)


def bd_psnr(anchor: Iterable[Point], test: Iterable[Point]) -> float | None:
    """Average PSNR-Y difference of test against anchor at equal rate, in dB (positive: test is better).

    PSNR is interpolated with PCHIP as a function of log10(rate) over the shared rate interval."""

    def by_rate(points: Iterable[Point]) -> tuple[np.ndarray, np.ndarray]:
        log_r, q = _usable(points)
        # One point per distinct rate, the best quality kept; sorted by rate.
        best: dict[float, float] = {}
        for r, p in zip(log_r.tolist(), q.tolist(), strict=True):
            best[r] = max(p, best.get(r, -math.inf))
        rates = sorted(best)
        return np.array(rates), np.array([best[r] for r in rates])

    r_a, q_a = by_rate(anchor)
    r_t, q_t = by_rate(test)
    if len(r_a) < 2 or len(r_t) < 2:
        return None
    lo, hi = max(r_a[0], r_t[0]), min(r_a[-1], r_t[-1])
    if not hi > lo:
        return None
    int_a = PchipInterpolator(r_a, q_a).integrate(lo, hi)
    int_t = PchipInterpolator(r_t, q_t).integrate(lo, hi)
    return float((int_t - int_a) / (hi - lo))
