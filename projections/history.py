"""Performance history: one row per candidate, in the order proposed, with its metrics and decision.

A candidate's metrics appear with its decision (the decision event records them); until then,
and for one rejected by validation, they are empty and its decision reads "pending" or "rejected".
Its outcome tells a declined codec that ran from one that failed, timed out or was stopped:
those have no rate or quality figures (domain/outcome.py).
"""

from __future__ import annotations

from typing import Any, TypedDict

from domain.candidate import PENDING, REJECTED
from projections.asof import upto
from projections.view import LedgerView


class HistoryRow(TypedDict):
    """One candidate as the history shows it; the keys, in this order, are the CSV export's columns."""

    number: int  # 1 for the first candidate proposed (the seed's row, when included, counts too)
    position: int
    time: str  # when it was proposed
    candidate_id: str
    planner: str
    model: str | None
    sha256: str
    parent_version: int | None
    tested_against: int | None  # the incumbent version it was decided against
    quality: int | None
    kbps: float | None
    mbps_30fps: float | None
    ratio: float | None
    bpp: float | None
    psnr_y: float | None
    ssim_y: float | None
    success: bool | None
    verdict: str | None  # the test's verdict category, or "rejected" by validation
    decision: str  # adopted | declined | rejected | pending
    outcome: str  # the decision, with the runs that did not round-trip told apart: domain.outcome.outcome
    version: int | None  # the version it became, when adopted
    rule: str | None
    reason: str | None
    rationale: str | None


FIELDS = tuple(HistoryRow.__annotations__)  # the declared keys, in order


def history(view: LedgerView, lineage: str, position: int | None = None, *,
            include_seed: bool = False) -> list[HistoryRow]:
    """The candidates proposed up to position; tests and decisions recorded after it read as not yet made."""
    p = upto(position)
    rows = view.fetch(
        "SELECT * FROM {p}cl_candidates WHERE lineage = ? AND position <= ? ORDER BY position",
        (lineage, p),
    )
    out: list[HistoryRow] = []
    for row in rows:
        if row["planner"] == "seed" and not include_seed:
            continue
        decided = row["decided_position"] is not None and row["decided_position"] <= p
        out.append(_history_row(len(out) + 1, row, decided))
    return out


def _history_row(number: int, row: dict[str, Any], decided: bool) -> HistoryRow:
    made = row if decided else {}  # the test and decision, where recorded by the position asked for
    success = made.get("success")
    return HistoryRow(
        number=number,
        position=row["position"],
        time=row["proposed_at"],
        candidate_id=row["candidate_id"],
        planner=row["planner"],
        model=row["model"],
        sha256=row["sha256"],
        parent_version=row["parent_version"],
        tested_against=made.get("tested_against"),
        quality=made.get("quality"),
        kbps=made.get("kbps"),
        mbps_30fps=made.get("mbps_30fps"),
        ratio=made.get("ratio"),
        bpp=made.get("bpp"),
        psnr_y=made.get("psnr_y"),
        ssim_y=made.get("ssim_y"),
        success=None if success is None else bool(success),
        verdict=REJECTED if made.get("decision") == REJECTED else made.get("verdict"),
        decision=made["decision"] if decided else PENDING,
        outcome=made["outcome"] if decided else PENDING,
        version=made.get("version"),
        rule=made.get("rule"),
        reason=made.get("reason"),
        rationale=row["rationale"],
    )
