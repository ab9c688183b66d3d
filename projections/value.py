"""What planners' money bought: dollars per adopted version and per percent of bitrate saved, per planner.

A version's saving is the bitrate it saved against the incumbent it was judged against: minus the mean BD-rate
of their recorded RD curves (the bd-rate policy), or the rates at each one's matched quality (matched-quality);
the savings of one planner's versions are summed.
"""

from __future__ import annotations

import json
from typing import TypedDict, cast

from domain.policy import mean_bd_rate
from domain.records import ComparableMetrics
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
    """Percent of bitrate saved against the incumbent: minus the mean BD-rate where both recorded RD curves (the
    bd-rate policy), else by the rates at matched quality; 0 where either has no rate (the seed has no incumbent)."""
    mine, theirs = _loaded(metrics), _loaded(incumbent)
    bd_rate = mean_bd_rate(mine, theirs)
    if bd_rate is not None:
        return -bd_rate
    mine_kbps, their_kbps = _kbps(mine), _kbps(theirs)
    return 100.0 * (1.0 - mine_kbps / their_kbps) if mine_kbps is not None and their_kbps is not None else 0.0


def _loaded(text: str | None) -> ComparableMetrics:
    return cast(ComparableMetrics, (json.loads(text) if text else None) or {})


def _kbps(metrics: ComparableMetrics) -> float | None:
    summary = metrics.get("summary")
    rate = summary.get("kbps") if summary else None
    return float(rate) if isinstance(rate, (int, float)) and rate > 0 else None
