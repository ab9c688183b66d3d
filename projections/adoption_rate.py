"""Adoption rate: how many candidates were decided, and with which outcome, overall and per planner."""

from __future__ import annotations

from domain.outcome import OUTCOMES
from projections.asof import upto
from projections.view import LedgerView

COUNTS = ("candidates", "decided", *OUTCOMES)


def adoption_rate(view: LedgerView, lineage: str, position: int | None = None) -> dict:
    """Counts as of position, one per outcome; the rate is adopted / decided (every outcome counts as decided)."""
    p = upto(position)
    per_outcome = "".join(f", SUM(CASE WHEN decided_position <= ? AND outcome = '{name}' THEN 1 ELSE 0 END) AS {name}"
                          for name in OUTCOMES)
    rows = view.fetch(
        "SELECT planner, COUNT(*) AS candidates, "
        "SUM(CASE WHEN decided_position <= ? THEN 1 ELSE 0 END) AS decided"
        f"{per_outcome} "
        "FROM {p}cl_candidates WHERE lineage = ? AND position <= ? AND planner <> 'seed' "
        "GROUP BY planner ORDER BY planner",
        (p, *([p] * len(OUTCOMES)), lineage, p),
    )
    per_planner = {}
    totals = dict.fromkeys(COUNTS, 0)
    for row in rows:
        counts = {k: int(row[k] or 0) for k in COUNTS}
        per_planner[row["planner"]] = {**counts, "rate": _rate(counts)}
        for k in COUNTS:
            totals[k] += counts[k]
    return {**totals, "rate": _rate(totals), "per_planner": per_planner}


def _rate(counts: dict[str, int]) -> float | None:
    return counts["adopted"] / counts["decided"] if counts["decided"] else None
