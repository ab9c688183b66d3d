"""A lineage's events as the read models know them: the aggregates it owns, and its latest events in a line each."""

from __future__ import annotations

import json
from typing import TypedDict

from domain.ids import lineage_id, source_id
from projections.state import status
from projections.view import LedgerView


class RecentEvent(TypedDict):
    """One event, told from the read models: where it is in the log, when, what kind, and what it said."""

    position: int
    time: str | None
    type: str  # the domain event's class name, e.g. CandidateAdopted
    details: str


def lineage_members(view: LedgerView, lineage: str) -> set[str]:
    """The aggregates of one lineage: itself, its candidates, their sources, its analyses (NotInView if unknown)."""
    status(view, lineage)  # a clear error for an unknown lineage
    members = {str(lineage_id(lineage))}
    for row in view.fetch("SELECT candidate_id, sha256 FROM {p}cl_candidates WHERE lineage = ?", (lineage,)):
        members.add(row["candidate_id"])
        members.add(str(source_id(row["sha256"])))
    for row in view.fetch("SELECT analysis_id FROM {p}cl_analyses WHERE lineage = ?", (lineage,)):
        members.add(row["analysis_id"])
    return members


def recent_events(view: LedgerView, lineage: str, limit: int) -> list[RecentEvent]:
    """The lineage's last `limit` events, oldest first."""
    found: list[tuple[int, str | None, str, str]] = []
    for r in view.fetch(
        "SELECT position, proposed_at, planner, candidate_id, parent_version FROM {p}cl_candidates "
        "WHERE lineage = ? ORDER BY position DESC LIMIT ?", (lineage, limit),
    ):
        found.append((r["position"], r["proposed_at"], "CandidateProposed",
                      f"{r['candidate_id'][:8]} by {r['planner']}, parent v{r['parent_version']}"))
    for r in view.fetch(
        "SELECT decided_position, decided_at, decision, version, candidate_id, reason FROM {p}cl_candidates "
        "WHERE lineage = ? AND decided_position IS NOT NULL ORDER BY decided_position DESC LIMIT ?", (lineage, limit),
    ):
        kind = {"adopted": "CandidateAdopted", "declined": "CandidateDeclined"}.get(r["decision"], "CandidateRejected")
        head = f"v{r['version']} ← " if r["decision"] == "adopted" else ""
        found.append((r["decided_position"], r["decided_at"], kind, f"{head}{r['candidate_id'][:8]}: {r['reason']}"))
    for r in view.fetch(
        "SELECT position, at, version, reason FROM {p}cl_best WHERE lineage = ? AND cause = 'rolled_back' "
        "ORDER BY position DESC LIMIT ?", (lineage, limit),
    ):
        found.append((r["position"], r["at"], "RolledBack", f"to v{r['version']}: {r['reason']}"))
    for r in view.fetch(
        "SELECT position, recorded_at, planner, model, tokens_in, tokens_out, cost_usd FROM {p}cl_analyses "
        "WHERE lineage = ? ORDER BY position DESC LIMIT ?", (lineage, limit),
    ):
        model = f" ({r['model']})" if r["model"] else ""
        found.append((r["position"], r["recorded_at"], "AnalysisRecorded",
                      f"{r['planner']}{model}: {r['tokens_in']}+{r['tokens_out']} tokens, ${r['cost_usd'] or 0:.4f}"))
    for r in view.fetch(
        "SELECT position, at, kind, message FROM {p}cl_stalls WHERE lineage = ? ORDER BY position DESC LIMIT ?",
        (lineage, limit),
    ):
        found.append((r["position"], r["at"], "StallDetected", f"{r['kind']}: {r['message']}"))
    started = view.row("cl_lineages", (lineage,))
    if started is not None:
        found.append((started["position"], started["started_at"], "LineageStarted",
                      f"suite {json.loads(started['suite']).get('name')}"))
    found.sort(key=lambda e: e[0])
    return [RecentEvent(position=p, time=t, type=k, details=d) for p, t, k, d in found[-limit:]]
