"""Pareto non-dominance over measured candidates: the objectives a candidate is judged on, and the front.

Pure: the projection (projections/pareto.py) reads the figures from the view and asks this module
which candidates no other candidate beats on every objective.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MINIMISE, MAXIMISE = "min", "max"


@dataclass(frozen=True)
class Objective:
    """One figure of a tested candidate, and which way is better."""

    name: str  # also the view's column and the history's key
    direction: str  # MINIMISE or MAXIMISE
    label: str  # how the command line and the report name it


# Every figure a test at the lineage's target quality records for the suite's real clips (domain.records.MetricFigures).
OBJECTIVES: dict[str, Objective] = {
    o.name: o
    for o in (
        Objective("kbps", MINIMISE, "kbps at the target PSNR-Y"),
        Objective("psnr_y", MAXIMISE, "PSNR-Y (dB)"),
        Objective("ssim_y", MAXIMISE, "SSIM-Y"),
        Objective("encode_fps", MAXIMISE, "encode frames/s"),
        Objective("decode_fps", MAXIMISE, "decode frames/s"),
    )
}
DEFAULT_OBJECTIVES = tuple(OBJECTIVES)


class UnknownObjective(ValueError):
    """An objective name this module does not define."""


def objectives_named(names: Sequence[str]) -> tuple[Objective, ...]:
    """The objectives for these names, in order, without repeats; UnknownObjective naming the known ones."""
    out: list[Objective] = []
    for name in names:
        if name not in OBJECTIVES:
            raise UnknownObjective(f"unknown objective {name!r} (known: {', '.join(OBJECTIVES)})")
        if OBJECTIVES[name] not in out:
            out.append(OBJECTIVES[name])
    if not out:
        raise UnknownObjective(f"no objective given (known: {', '.join(OBJECTIVES)})")
    return tuple(out)


def dominates(a: Sequence[float], b: Sequence[float], objectives: Sequence[Objective]) -> bool:
    """Whether a is at least as good as b on every objective and strictly better on one."""
    better = False
    for x, y, objective in zip(a, b, objectives, strict=True):
        if objective.direction == MINIMISE:
            x, y = -x, -y
        if x < y:
            return False
        better = better or x > y
    return better


def non_dominated(points: Sequence[Sequence[float]], objectives: Sequence[Objective]) -> list[int]:
    """The indices of the points no other point dominates, in the given order.

    Equal points do not dominate each other, so each of them stays. Sorting by the first objective
    first means a point can only be dominated by one already kept or by an equal one, which keeps
    the work near (points x front) rather than points squared.
    """
    sign = [-1.0 if o.direction == MINIMISE else 1.0 for o in objectives]
    keyed = [tuple(s * v for s, v in zip(sign, p, strict=True)) for p in points]
    order = sorted(range(len(points)), key=lambda i: keyed[i], reverse=True)
    kept: list[int] = []
    for i in order:
        if not any(_beats(keyed[j], keyed[i]) for j in kept):
            kept.append(i)
    return sorted(kept)


def _beats(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """a dominates b, both already turned so that larger is better on every objective."""
    return all(x >= y for x, y in zip(a, b, strict=True)) and a != b
