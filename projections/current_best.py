"""Current best codec: which version is best (after adoptions and rollbacks), its source and metrics."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import NotRequired, TypedDict

from domain.records import ComparableMetrics
from projections.asof import upto
from projections.view import LedgerView


class BestVersion(TypedDict):
    """The best version as of a position, and how it became the best."""

    version: int
    sha256: str
    metrics: ComparableMetrics | None  # what it was adopted on
    since_position: int
    since: str  # when it became the best
    cause: str  # adopted | rolled_back
    cause_reason: str  # the adoption's or the rollback's reason
    candidate_id: str | None
    rule: str | None  # the rule it was adopted by
    reason: str | None  # the sentence its adoption recorded
    source: NotRequired[str]  # its exact source, when asked for


def current_best(
    view: LedgerView, lineage: str, position: int | None = None, *, source_of: Callable[[str], str] | None = None
) -> BestVersion | None:
    """The best version as of position; with source_of (the ledger's sha256 -> text), its exact source too."""
    rows = view.fetch(
        "SELECT * FROM {p}cl_best WHERE lineage = ? AND position <= ? ORDER BY position DESC LIMIT 1",
        (lineage, upto(position)),
    )
    if not rows:
        return None
    best = rows[0]
    version = view.row("cl_versions", (lineage, best["version"])) or {}
    out = BestVersion(
        version=best["version"],
        sha256=best["sha256"],
        metrics=json.loads(version["metrics"]) if version.get("metrics") else None,
        since_position=best["position"],
        since=best["at"],
        cause=best["cause"],
        cause_reason=best["reason"],
        candidate_id=version.get("candidate_id"),
        rule=version.get("rule"),
        reason=version.get("reason"),
    )
    if source_of is not None:
        out["source"] = source_of(best["sha256"])
    return out


def versions(view: LedgerView, lineage: str, position: int | None = None) -> list[dict]:
    """Every version adopted up to position, in order, with the metrics it was adopted on."""
    rows = view.fetch(
        "SELECT * FROM {p}cl_versions WHERE lineage = ? AND position <= ? ORDER BY version",
        (lineage, upto(position)),
    )
    return [
        {
            "version": r["version"],
            "position": r["position"],
            "adopted_at": r["adopted_at"],
            "candidate_id": r["candidate_id"],
            "sha256": r["sha256"],
            "incumbent_version": r["incumbent_version"],
            "rule": r["rule"],
            "reason": r["reason"],
            "metrics": json.loads(r["metrics"]) if r["metrics"] else None,
        }
        for r in rows
    ]


def best_changes(view: LedgerView, lineage: str, position: int | None = None) -> list[dict]:
    """Every change of the best version (adoptions and rollbacks), in order."""
    return view.fetch(
        "SELECT position, at, version, sha256, cause, reason FROM {p}cl_best "
        "WHERE lineage = ? AND position <= ? ORDER BY position",
        (lineage, upto(position)),
    )
