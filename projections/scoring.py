"""Which evaluator scored each version: the one of its adoption test, and of its latest rescore.

An evaluator is named by the hash of its code (runner/evaluation/provenance.py). A version whose latest
scoring came from another evaluator than the one running now was measured by other rules; `codec-ledger
rescore VERSION` measures it again (a new event beside the old one, never an edit).
"""

from __future__ import annotations

from typing import TypedDict

from projections.asof import upto
from projections.current_best import versions
from projections.view import LedgerView


class VersionScoring(TypedDict):
    version: int
    sha256: str
    candidate_id: str
    adopted_by: str | None  # the evaluator of the test it was adopted on; None: recorded before provenance
    rescored_by: str | None  # the evaluator of its latest rescore, if any
    reproduced: bool | None  # whether that rescore found its recorded test's bytes again
    current: bool  # its latest scoring came from the evaluator given


def scoring(view: LedgerView, lineage: str, evaluator: str, position: int | None = None) -> list[VersionScoring]:
    """Every version of the lineage (up to position) with the evaluators that scored it."""
    latest: dict[str, dict] = {}
    for row in view.fetch("SELECT candidate_id, evaluator, reproduced FROM {p}cl_rescores "
                          "WHERE lineage = ? AND position <= ? ORDER BY position", (lineage, upto(position))):
        latest[row["candidate_id"]] = row
    rows: list[VersionScoring] = []
    for version in versions(view, lineage, position):
        adopted_by = ((version["metrics"] or {}).get("provenance") or {}).get("evaluator")
        rescore = latest.get(version["candidate_id"])
        rescored_by = None if rescore is None else rescore["evaluator"]
        reproduced = None if rescore is None or rescore["reproduced"] is None else bool(rescore["reproduced"])
        rows.append(VersionScoring(version=version["version"], sha256=version["sha256"],
                                   candidate_id=version["candidate_id"], adopted_by=adopted_by,
                                   rescored_by=rescored_by, reproduced=reproduced,
                                   current=(rescored_by or adopted_by) == evaluator))
    return rows
