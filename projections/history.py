"""Performance history: one row per candidate, in the order proposed, with its metrics and decision.

A candidate's metrics appear with its decision (the decision event records them); until then,
and for one rejected by validation, they are empty and its decision reads "pending" or "rejected".
"""

from __future__ import annotations

from projections.asof import upto
from projections.view import LedgerView

FIELDS = (
    "number", "position", "time", "candidate_id", "planner", "model", "sha256", "parent_version",
    "tested_against", "quality", "kbps", "mbps_30fps", "ratio", "bpp", "psnr_y", "ssim_y", "success",
    "verdict", "decision", "version", "rule", "reason", "rationale",
)
_TEST = ("verdict", "quality", "kbps", "mbps_30fps", "ratio", "bpp", "psnr_y", "ssim_y", "success")
_DECISION = ("decision", "version", "tested_against", "rule", "reason")


def history(view: LedgerView, lineage: str, position: int | None = None, *, include_seed: bool = False) -> list[dict]:
    """The candidates proposed up to position; tests and decisions recorded after it read as not yet made."""
    p = upto(position)
    rows = view.fetch(
        "SELECT * FROM {p}cl_candidates WHERE lineage = ? AND position <= ? ORDER BY position",
        (lineage, p),
    )
    out = []
    for row in rows:
        if row["planner"] == "seed" and not include_seed:
            continue
        decided = row["decided_position"] is not None and row["decided_position"] <= p
        item = {
            "number": len(out) + 1,
            "position": row["position"],
            "time": row["proposed_at"],
            "candidate_id": row["candidate_id"],
            "planner": row["planner"],
            "model": row["model"],
            "sha256": row["sha256"],
            "parent_version": row["parent_version"],
            "rationale": row["rationale"],
        }
        for key in _TEST:
            item[key] = row[key] if decided else None
        if item["success"] is not None:
            item["success"] = bool(item["success"])
        for key in _DECISION:
            item[key] = row[key] if decided else None
        if not decided:
            item["decision"] = "pending"
        if decided and row["decision"] == "rejected":
            item["verdict"] = "rejected"
        out.append({k: item.get(k) for k in FIELDS})
    return out
