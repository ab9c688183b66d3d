"""Cost: tokens in and out and dollars spent on analyses, overall and per planner."""

from __future__ import annotations

from projections.asof import upto
from projections.view import LedgerView


def cost(view: LedgerView, lineage: str, position: int | None = None) -> dict:
    rows = view.fetch(
        "SELECT planner, COUNT(*) AS analyses, SUM(tokens_in) AS tokens_in, SUM(tokens_out) AS tokens_out, "
        "SUM(cost_usd) AS cost_usd FROM {p}cl_analyses WHERE lineage = ? AND position <= ? "
        "GROUP BY planner ORDER BY planner",
        (lineage, upto(position)),
    )
    per_planner = {}
    totals = {"analyses": 0, "tokens_in": 0, "tokens_out": 0, "cost_usd": 0.0}
    for row in rows:
        counts = {
            "analyses": int(row["analyses"] or 0),
            "tokens_in": int(row["tokens_in"] or 0),
            "tokens_out": int(row["tokens_out"] or 0),
            "cost_usd": float(row["cost_usd"] or 0.0),
        }
        per_planner[row["planner"]] = counts
        for k in totals:
            totals[k] += counts[k]
    return {**totals, "per_planner": per_planner}
