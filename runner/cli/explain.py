"""`why` for a candidate that did not become a version: what was proposed, how it was tested, how it was decided.

The shape is that of `CodecLedger.why`'s answer for a version (ledger/queries.py), with `version` null and
what only a candidate that was not adopted has: its outcome, its test's verdict, validation's reasons.
A run that did not round-trip shows no rate or quality: its metrics read so (runner/cli/formatting.py).
"""

from __future__ import annotations

from typing import Any

from domain.records import VerdictRecord
from ledger.application import CodecLedger
from ledger.queries import Explanation, analysis_brief
from runner.cli.named import Named


class CandidateExplanation(Explanation):
    version: None
    outcome: str  # domain.outcome's word: declined, rejected, failed, timeout, oom, violation or pending
    status: str  # the candidate aggregate's status
    reasons: list[str]  # validation's, when rejected
    verdict: VerdictRecord | None  # its test's, when tested
    decided_at: str | None
    reused_test_from: str | None
    is_best: bool


def candidate_explanation(app: CodecLedger, lineage: str, named: Named) -> CandidateExplanation:
    candidate = app.candidate(named.candidate_id)
    decision: dict[str, Any] = dict(candidate.decision or {})
    analysis = app.analysis(candidate.analysis_id) if candidate.analysis_id else None
    decided = candidate.decided and candidate.status != "proposed"
    return CandidateExplanation(
        lineage=lineage,
        version=None,
        candidate_id=str(candidate.id),
        candidate_sha256=candidate.sha256,
        planner=candidate.planner,
        model=candidate.model,
        rationale=candidate.rationale,
        parent_version=candidate.parent_version,
        analysis=None if analysis is None else analysis_brief(analysis),
        outcome=named.outcome,
        status=candidate.status,
        reasons=list(getattr(candidate, "reasons", []) or []),
        verdict=None if candidate.result is None else candidate.result["verdict"],
        candidate_metrics=decision.get("candidate_metrics"),
        incumbent_version=decision.get("against"),
        incumbent_metrics=decision.get("incumbent_metrics"),
        rule=decision.get("rule"),
        reason=decision.get("reason"),
        policy=decision.get("policy"),
        decided_at=candidate.modified_on.isoformat() if decided else None,
        reused_test_from=candidate.reused_from,
        is_best=False,
    )
