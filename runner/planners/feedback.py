"""What a planner is told about one candidate: the evaluator's figures per clip, its verdict and its decision.

Built from the candidate aggregate (its test result and decision events), once per decided candidate:
a decided candidate's record does not change, so the loop keeps what this returns.
"""

from __future__ import annotations

from typing import Any

from domain.candidate import Candidate
from domain.outcome import outcome
from domain.verdict import OK
from runner.planners.base import CandidateFeedback, ClipFigures


def feedback_of(candidate: Candidate) -> CandidateFeedback:
    result: dict[str, Any] = dict(candidate.result or {})
    summary = result.get("summary") or {}
    verdict = (result.get("verdict") or {}) if candidate.result is not None else {}
    decision = candidate.decision
    decided: dict[str, Any] = dict(decision) if decision is not None else {}
    incumbent = (decided.get("incumbent_metrics") or {}).get("summary") or {}
    message = "; ".join(candidate.reasons) if candidate.reasons else None
    if verdict.get("category") not in (None, OK):
        message = verdict.get("message")
    kbps, incumbent_kbps = _number(summary.get("kbps")), _number(incumbent.get("kbps"))
    saved = None
    if kbps is not None and incumbent_kbps:
        saved = round(100.0 * (1.0 - kbps / incumbent_kbps), 2)
    clips = {name: ClipFigures(kbps=_number(point.get("kbps")), psnr_y=_number(point.get("psnr_y")),
                               success=point.get("success"))
             for name, point in (result.get("clips") or {}).items() if isinstance(point, dict)}
    return CandidateFeedback(
        sha256=candidate.sha256, planner=candidate.planner, model=candidate.model,
        version=candidate.adopted_version,
        outcome=outcome(candidate.status if candidate.decided else None, verdict.get("category"),
                        summary.get("success")),
        verdict=verdict.get("category"), message=message,
        rule=None if decision is None else decision["rule"], reason=None if decision is None else decision["reason"],
        quality=result.get("quality"), kbps=kbps, ratio=_number(summary.get("ratio")),
        psnr_y=_number(summary.get("psnr_y")), encode_fps=_number(summary.get("encode_fps")),
        decode_fps=_number(summary.get("decode_fps")), incumbent_kbps=incumbent_kbps, saved_percent=saved,
        clips=clips)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
