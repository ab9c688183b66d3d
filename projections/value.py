"""What planners' money bought: dollars per adopted version and per percent of bitrate saved, per planner.

A version's saving is the bitrate it saved against the incumbent it was judged against, each at its
own matched quality (the decision records both); the savings of one planner's versions are summed.
"""

from __future__ import annotations

import json
from typing import TypedDict

from projections.asof import upto
from projections.cost import cost
from projections.view import LedgerView


class PlannerValue(TypedDict):
    cost_usd: float
    adopted: int  # versions created from this planner's proposals
    percent_saved: float  # summed over those versions, each against its incumbent
    usd_per_adoption: float | None  # None while nothing was adopted
    usd_per_percent_saved: float | None  # None while nothing was saved


def value_for_money(view: LedgerView, lineage: str, position: int | None = None) -> dict[str, PlannerValue]:
    """Per planner that recorded an analysis in the lineage, up to position."""
    rows = view.fetch(
        "SELECT c.planner AS planner, v.metrics AS metrics, v.incumbent_metrics AS incumbent FROM {p}cl_versions v "
        "JOIN {p}cl_candidates c ON c.candidate_id = v.candidate_id WHERE v.lineage = ? AND v.position <= ?",
        (lineage, upto(position)),
    )
    gains: dict[str, list[float]] = {}
    for row in rows:
        gains.setdefault(row["planner"], []).append(_saved(row["metrics"], row["incumbent"]))
    out = {}
    for planner, spent in cost(view, lineage, position)["per_planner"].items():
        saved = gains.get(planner, [])
        total, dollars = round(sum(saved), 2), spent["cost_usd"]
        out[planner] = PlannerValue(
            cost_usd=dollars, adopted=len(saved), percent_saved=total,
            usd_per_adoption=round(dollars / len(saved), 4) if saved else None,
            usd_per_percent_saved=round(dollars / total, 4) if total > 0 else None)
    return out


def _saved(metrics: str | None, incumbent: str | None) -> float:
    """Percent of bitrate saved against the incumbent; 0 where either has no rate (the seed has no incumbent)."""
    def kbps(text: str | None) -> float | None:
        value = ((json.loads(text) if text else None) or {}).get("summary") or {}
        rate = value.get("kbps")
        return float(rate) if isinstance(rate, (int, float)) and rate > 0 else None

    mine, theirs = kbps(metrics), kbps(incumbent)
    return 100.0 * (1.0 - mine / theirs) if mine is not None and theirs is not None else 0.0
