"""Which recorded codecs an ensemble (or an import) takes: the latest versions, or the Pareto front.

`versions`: the current best and the versions before it, newest first (each was adopted over the one
before, so newer is better by the lineage's own policy); version 0, the uncompressed seed, never.
`pareto`: the front of projections/pareto.py, best on its first objective first. Either way a member
must have a test that met the target (so that it has a matched quality to be anchored at), and be a
codec rather than an ensemble (whose members it already holds).
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.candidate import Candidate
from domain.pareto import DEFAULT_OBJECTIVES
from ledger.application import CodecLedger
from ledger.errors import LedgerError
from projections.pareto import pareto_front
from projections.view import LedgerView
from runner.ensemble.routing import Member
from runner.ensemble.streams import ensemble_members

BY_VERSIONS = "versions"
BY_PARETO = "pareto"
CHOICES = (BY_VERSIONS, BY_PARETO)


class MemberChoice(LedgerError):
    """The ledger does not hold the members asked for; the message is one line."""


def chosen_candidates(app: CodecLedger, view: LedgerView, lineage: str, top: int, by: str,
                      objectives: Sequence[str] = DEFAULT_OBJECTIVES) -> list[Candidate]:
    """Up to `top` tested candidates of the lineage, best first, each with a distinct source."""
    if by not in CHOICES:
        raise MemberChoice(f"--by must be one of {', '.join(CHOICES)}, not {by!r}")
    if top < 1:
        raise MemberChoice(f"--top must be at least 1, not {top}")
    if by == BY_VERSIONS:
        state = app.lineage(lineage)
        head = state.head or 0
        ids = [state.versions[number]["candidate_id"] for number in range(head, 0, -1)]
    else:
        ids = [point["candidate_id"] for point in pareto_front(view, lineage, objectives) if point["planner"] != "seed"]
    chosen: list[Candidate] = []
    for candidate_id in ids:
        candidate = app.candidate(candidate_id)
        result = candidate.result
        if result is None or result.get("quality") is None or candidate.sha256 in {c.sha256 for c in chosen}:
            continue
        if ensemble_members(app.source(candidate.sha256)) is not None:
            continue  # an ensemble is made of codecs, not of other ensembles (their sources would nest)
        chosen.append(candidate)
        if len(chosen) == top:
            break
    return chosen


def as_member(candidate: Candidate) -> Member:
    result = candidate.test_result
    quality = result.get("quality")
    if quality is None:
        raise MemberChoice(f"candidate {candidate.id} never met the quality target; it cannot be a member")
    return Member(sha256=candidate.sha256, candidate_id=str(candidate.id), version=candidate.adopted_version,
                  quality=int(quality))
