"""The Pareto archive: the tested codecs that no other beats on every objective, as of any position.

Rebuilt from the view like every read model: a candidate's figures are those its decision recorded
(projections/projection.py), so only runs that round-tripped every frame (outcome adopted or declined)
have them, and a failed, timed-out or rejected candidate never enters the archive. Nor does one whose
matched quality fell short of the lineage's PSNR-Y target: its rate is not a rate at the target (a codec
that sends nothing and decodes grey would otherwise own the cheapest, fastest corner). A source tested
more than once (proposed again against a later best) counts once, with its latest test as of the
position. Which candidates dominate which is domain/pareto.py's pure rule.

`pareto_front(view, lineage, objectives, position)` is the function other parts call (the `pareto`
command, the report, planners and ensembles choosing members).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TypedDict

from domain.outcome import MEASURED
from domain.pareto import DEFAULT_OBJECTIVES, MINIMISE, OBJECTIVES, Objective, non_dominated, objectives_named
from domain.policy import _EPS as PSNR_TOLERANCE  # the policy's own tolerance on the target
from projections.asof import upto
from projections.view import LedgerView


class ParetoPoint(TypedDict):
    """One measured source and its figures on the objectives asked for."""

    sha256: str
    version: int | None  # the latest version this source became, as of the position; None if never adopted
    candidate_id: str  # the candidate whose test the figures are from
    planner: str
    position: int  # where that test's decision stands in the log
    values: dict[str, float]  # objective name -> figure, in the order asked for
    meets_target: bool  # its PSNR-Y reached the lineage's target: only such sources enter the front


def measured(view: LedgerView, lineage: str, objectives: Sequence[str] = DEFAULT_OBJECTIVES,
             position: int | None = None) -> list[ParetoPoint]:
    """Every source with figures for all these objectives as of position, in the order of its latest test."""
    chosen = objectives_named(objectives)
    p = upto(position)
    columns = ", ".join({o.name: None for o in (*chosen, OBJECTIVES["psnr_y"])})  # names from domain.pareto only
    started = view.row("cl_lineages", (lineage,))
    target = json.loads(started["policy"])["target_psnr_y"] if started else None
    marks = ", ".join("?" * len(MEASURED))
    rows = view.fetch(
        f"SELECT candidate_id, sha256, planner, decided_position, {columns} FROM {{p}}cl_candidates "
        f"WHERE lineage = ? AND decided_position <= ? AND outcome IN ({marks}) ORDER BY decided_position",
        (lineage, p, *MEASURED),
    )
    adopted = {
        r["sha256"]: r["version"]
        for r in view.fetch(
            "SELECT sha256, version FROM {p}cl_versions WHERE lineage = ? AND position <= ? ORDER BY version",
            (lineage, p),
        )
    }
    latest: dict[str, ParetoPoint] = {}
    for r in rows:
        values = {o.name: r[o.name] for o in chosen}
        if any(v is None for v in values.values()):
            continue
        latest.pop(r["sha256"], None)  # the later test replaces the earlier, and takes its place in the order
        latest[r["sha256"]] = ParetoPoint(
            sha256=r["sha256"], version=adopted.get(r["sha256"]), candidate_id=r["candidate_id"],
            planner=r["planner"], position=r["decided_position"], values={k: float(v) for k, v in values.items()},
            meets_target=target is not None and r["psnr_y"] is not None and r["psnr_y"] >= target - PSNR_TOLERANCE,
        )
    return list(latest.values())


def front_of(points: Sequence[ParetoPoint], objectives: Sequence[Objective]) -> list[ParetoPoint]:
    """The points no other point dominates on these objectives, best on the first objective first."""
    figures = [[point["values"][o.name] for o in objectives] for point in points]
    kept = [points[i] for i in non_dominated(figures, objectives)]
    first = objectives[0]
    sign = 1.0 if first.direction == MINIMISE else -1.0
    return sorted(kept, key=lambda point: (sign * point["values"][first.name], point["position"]))


def pareto_front(view: LedgerView, lineage: str, objectives: Sequence[str] = DEFAULT_OBJECTIVES,
                 position: int | None = None) -> list[ParetoPoint]:
    """The Pareto front of a lineage's sources that met its target, on these objectives (names, see
    domain.pareto.OBJECTIVES), as of position (None: now). UnknownObjective for a name it does not know."""
    points = [p for p in measured(view, lineage, objectives, position) if p["meets_target"]]
    return front_of(points, objectives_named(objectives))
