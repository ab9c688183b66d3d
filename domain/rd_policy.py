"""The BD-rate adoption rule's arithmetic: two codecs' rate-distortion curves on one clip compared over the
policy's PSNR-Y range, and what makes a curve unusable (pure; domain/policy.py applies it to every real clip).

A curve is a codec's (kbps, PSNR-Y) points on one clip over the evaluator's quality ladder. Defences against
a candidate that games the ladder:

- dominated points are dropped (one that another point beats on both rate and quality): what is left is
  what an encoder would choose, rising in rate and quality together;
- each curve is its codec's operational one: below its cheapest point it is flat at that rate (a codec can
  always deliver more quality than asked for, at that price), and it is never extended upwards. So a codec
  that ignores the quality setting, or a lossless one (every point at the PSNR cap, like the seed), is the
  flat line at its one rate, judged for what it is, and a candidate gains nothing by aiming its ladder below
  where the range starts;
- the comparison runs from `low` up to the highest quality both curves reach (at most `high`); that must be
  at least `min_span` dB above `low`, so a codec whose ladder stops short of the useful range cannot win
  on its bottom end, and curves that do not overlap there have no BD-rate.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import PchipInterpolator

RD_LOW_PSNR_Y = 30.0  # dB: the range the BD-rate rule compares over ...
RD_HIGH_PSNR_Y = 42.0  # ... from the low to the high end of useful video quality
MIN_SPAN_DB = 6.0  # the comparison must cover at least half of that range on every clip

RdPoint = Sequence[float | None]  # (kbps, psnr_y); None where the run did not round-trip


@dataclass(frozen=True)
class ClipComparison:
    """The candidate against the incumbent on one clip: a BD-rate over [low, high], or why there is none."""

    bd_rate_pct: float | None
    low: float | None = None
    high: float | None = None
    problem: str | None = None  # one sentence fragment, when bd_rate_pct is None


def operating_points(points: Iterable[RdPoint]) -> list[tuple[float, float]]:
    """The usable, undominated (kbps, psnr_y) points, by rising PSNR-Y (and so by rising rate)."""
    usable = []
    for point in points:
        rate, psnr = point[0], point[1]
        if rate is None or psnr is None:
            continue
        rate, psnr = float(rate), float(psnr)
        if math.isfinite(rate) and math.isfinite(psnr) and rate > 0:
            usable.append((rate, psnr))
    kept: list[tuple[float, float]] = []
    # From the best quality down: keep a point only when it is cheaper than every better one.
    for rate, psnr in sorted(usable, key=lambda p: (-p[1], p[0])):
        if not kept or (rate < kept[-1][0] and psnr < kept[-1][1]):
            kept.append((rate, psnr))
    return kept[::-1]


class _Curve:
    """log10(rate) as a function of PSNR-Y: PCHIP through the points, flat below the first."""

    def __init__(self, points: list[tuple[float, float]]):
        self.psnr = np.array([p for _, p in points])
        self.log_rate = np.log10([r for r, _ in points])
        self.pchip = PchipInterpolator(self.psnr, self.log_rate) if len(points) >= 2 else None

    def integral(self, low: float, high: float) -> float:
        start = float(self.psnr[0])
        flat = max(0.0, min(high, start) - low) * float(self.log_rate[0])
        if self.pchip is None or high <= start:
            return flat
        return flat + float(self.pchip.integrate(max(low, start), high))


def compare(candidate: Iterable[RdPoint], incumbent: Iterable[RdPoint], low: float = RD_LOW_PSNR_Y,
            high: float = RD_HIGH_PSNR_Y, min_span: float = MIN_SPAN_DB) -> ClipComparison:
    """The candidate's BD-rate (percent, negative: fewer bits) against the incumbent on one clip."""
    cand, inc = operating_points(candidate), operating_points(incumbent)
    if not cand:
        return ClipComparison(None, problem="the candidate has no point that round-tripped")
    if not inc:
        return ClipComparison(None, problem="the incumbent has no curve to compare with")
    hi = min(high, cand[-1][1], inc[-1][1])
    if not hi - low >= min_span:
        return ClipComparison(None, problem=f"the curves compare only up to {hi:.1f} dB PSNR-Y (the candidate's "
                                            f"reaches {cand[-1][1]:.1f} dB, the incumbent's {inc[-1][1]:.1f} dB; "
                                            f"needs {low + min_span:g} dB)")
    mean_log_diff = (_Curve(cand).integral(low, hi) - _Curve(inc).integral(low, hi)) / (hi - low)
    return ClipComparison(float((10.0**mean_log_diff - 1.0) * 100.0), low, hi)
