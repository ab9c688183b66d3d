"""The read models the report shows, gathered into plain data."""

from __future__ import annotations

from projections.asof import upto
from projections.report.pareto_plot import pareto_data
from projections.stall import stalls
from projections.state import SourceOf, full
from projections.view import LedgerView


def gather(view: LedgerView, lineage: str, position: int | None = None, *,
           source_of: SourceOf | None = None) -> dict:
    """Every read model the report shows, as of position (None: now), as plain JSON-safe data."""
    data = full(view, lineage, position, source_of=source_of)
    data["analyses"] = view.fetch(
        "SELECT analysis_id, position, recorded_at, planner, model, tokens_in, tokens_out, cost_usd "
        "FROM {p}cl_analyses WHERE lineage = ? AND position <= ? ORDER BY position",
        (lineage, upto(position)),
    )
    started = view.row("cl_lineages", (lineage,)) or {}
    data["started_at"] = started.get("started_at")
    data["started_position"] = started.get("position")
    data["pareto"] = pareto_data(view, lineage, (data.get("policy") or {}).get("target_psnr_y"), position)
    data["stalls"] = stalls(view, lineage, position)
    return data

