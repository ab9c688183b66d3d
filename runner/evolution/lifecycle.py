"""A candidate's lifecycle, written once: validate -> reuse an earlier test of the same source -> test -> decide
(measuring the best again on the candidate's material first, where the BD-rate policy wants that).

finish() takes recorded candidates the rest of the way; the evolution loop calls it for each
round of planned candidates, and submit() for one hand-written candidate (the `submit` command),
after checking that the source is not a duplicate and proposing it. Testing is handed in as a
function, so the loop can test a round in parallel while decisions are taken one at a time, each
against the best at that moment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.candidate import ADOPTED, DECLINED, PROPOSED, REJECTED, TESTED, Candidate
from domain.ids import sha256_of
from domain.lineage import Lineage
from domain.policy import comparable, wants_same_material
from domain.records import AdoptionTestResult, DecisionRecord
from ledger.application import CodecLedger
from runner.evolution.narration import QUIET, Narration
from runner.evolution.outcome import DUPLICATE, SubmitOutcome, bitrate_saving

Validate = Callable[[str], list[str]]  # source -> the reasons it is refused (empty: it passed)
Test = Callable[[str], AdoptionTestResult]  # source -> test_candidate's result
TestAll = Callable[[list[str]], list[AdoptionTestResult]]  # sources -> their results, in the same order
Remeasure = Callable[[str, str], AdoptionTestResult]  # (source, nonce) -> its test on that nonce's material

DECIDED_EVENT = {ADOPTED: "CandidateAdopted", DECLINED: "CandidateDeclined"}


@dataclass
class Finished:
    """One candidate after finish(): where it ended, and what this call did to it."""

    candidate: Candidate
    tested: bool = False  # the evaluator ran on it in this call
    reused_from: str | None = None  # the candidate whose test result it was given in this call
    recorded: list[str] = field(default_factory=list)  # the event types this call recorded for it


def finish(app: CodecLedger, lineage: str, candidates: Sequence[Candidate], *, validate: Validate,
           test_all: TestAll, remeasure: Remeasure | None = None, narration: Narration = QUIET) -> list[Finished]:
    """Validate the proposed candidates, give each a test (an earlier one of the same source, or test_all's,
    all run together), then decide the tested ones one at a time, each against the best measured again on its
    own material where the policy wants that and `remeasure` is given. Returns them in the order given."""
    finished = [Finished(candidate) for candidate in candidates]
    to_test: list[tuple[Finished, str]] = []
    for step in finished:
        candidate = step.candidate
        if candidate.status != PROPOSED:
            continue
        source = app.source(candidate.sha256)
        reasons = [str(reason) for reason in validate(source)]
        if reasons:
            step.candidate = app.reject(str(candidate.id), reasons)
            step.recorded.append("CandidateRejected")
            narration.rejected(step.candidate)
            continue
        earlier = app.earlier_test(lineage, candidate.sha256)
        if earlier is None:
            narration.evaluating(candidate)
            to_test.append((step, source))
            continue
        narration.reused(candidate, earlier)
        step.reused_from = str(earlier.id)
        step.candidate = app.record_test(str(candidate.id), earlier.test_result, reused_from=step.reused_from)
        step.recorded.append("CandidateTested")
    for (step, _), result in zip(to_test, test_all([source for _, source in to_test]), strict=True):
        step.candidate = app.record_test(str(step.candidate.id), result)
        step.tested = True
        step.recorded.append("CandidateTested")
    for step in finished:
        current = app.candidate(step.candidate.id)  # another run may have finished it meanwhile
        if current.status == TESTED:
            remeasured = None if remeasure is None else _remeasure_incumbent(app, lineage, current, remeasure,
                                                                             narration)
            if remeasured is not None:
                step.recorded.append("IncumbentRemeasured")
            current = app.decide(lineage, str(current.id))
            step.recorded.append(DECIDED_EVENT[current.status])
        step.candidate = current
        if current.status in DECIDED_EVENT:
            narration.decided(current)
    return finished


def _remeasure_incumbent(app: CodecLedger, lineage: str, candidate: Candidate, remeasure: Remeasure,
                         narration: Narration) -> Candidate | None:
    """The best measured on the candidate's test material and recorded on it, where its decision against the best's
    recorded curves is close to adoption (domain.policy.wants_same_material) and that was not done before; None
    where nothing was wanted."""
    state = app.lineage(lineage)
    best = state.best
    _, done = state.incumbent_metrics(candidate.remeasured_incumbent)
    provenance = candidate.test_result.get("provenance")
    nonce = provenance["nonce"] if provenance else None
    if done or not nonce or not wants_same_material(state.judge(candidate.test_result), state.policy_object):
        return None
    narration.remeasuring(candidate, best["version"])
    result = remeasure(app.source(best["sha256"]), nonce)
    return app.record_remeasured_incumbent(str(candidate.id), best["version"], best["sha256"], result)


def submit(app: CodecLedger, lineage: str, source: str, *, validate: Validate, test: Test,
           remeasure: Remeasure | None = None, rationale: str = "", planner: str = "human", model: str | None = None,
           analysis_id: str | None = None, narration: Narration = QUIET) -> SubmitOutcome:
    """One candidate through the whole cycle: propose, validate, test, decide, record.

    Idempotent: the same source submitted again on the same best records nothing new and
    reports the earlier outcome; the source of the current best is a duplicate too. A
    source already tested in this lineage (against another best) is decided again on its
    recorded result, without re-testing. An interrupted submit resumes where it stopped.
    """
    state = app.lineage(lineage)
    sha = sha256_of(source)
    duplicate = duplicate_outcome(app, state, sha)
    if duplicate is not None:
        narration.duplicate(duplicate)
        return duplicate
    existing = app.find_candidate(lineage, sha, state.head)
    candidate = existing or app.propose(lineage, source, rationale=rationale, planner=planner, model=model,
                                        analysis_id=analysis_id, parent_version=state.head)
    [done] = finish(app, lineage, [candidate], validate=validate, test_all=lambda sources: [test(s) for s in sources],
                    remeasure=remeasure, narration=narration)
    recorded = ([] if existing else ["CandidateProposed"]) + done.recorded
    candidate = done.candidate
    if candidate.status == REJECTED:
        return SubmitOutcome(lineage=lineage, candidate_id=str(candidate.id), sha256=sha,
                             parent_version=candidate.parent_version, status=REJECTED, rule="validation",
                             reason=_rejection(candidate), reasons=list(candidate.reasons), recorded=recorded)
    decision: DecisionRecord | dict[str, Any] = candidate.decision or {}
    return SubmitOutcome(
        lineage=lineage,
        candidate_id=str(candidate.id),
        sha256=sha,
        parent_version=candidate.parent_version,
        status=candidate.status,
        version=decision.get("version"),
        incumbent_version=decision.get("against"),
        rule=decision.get("rule"),
        reason=decision.get("reason", ""),
        metrics=decision.get("candidate_metrics"),
        incumbent_metrics=decision.get("incumbent_metrics"),
        improvement=bitrate_saving(decision),
        tested=done.tested,
        reused_from=done.reused_from,
        recorded=recorded,
    )


def duplicate_outcome(app: CodecLedger, state: Lineage, sha: str) -> SubmitOutcome | None:
    """What submitting this source reports without any work: it is the current best's, or it was already
    decided against the current best. None when there is work to do (new, or recorded but unfinished)."""
    best = state.best
    if sha == best["sha256"]:
        adopted: DecisionRecord | dict[str, Any] = app.candidate(best["candidate_id"]).decision or {}
        return SubmitOutcome(
            lineage=state.name,
            candidate_id=best["candidate_id"],
            sha256=sha,
            parent_version=state.head,
            status=DUPLICATE,
            version=best["version"],
            incumbent_version=adopted.get("against"),
            rule=adopted.get("rule"),
            reason=f"this source is already version {best['version']}, the current best",
            metrics=best["metrics"],
            duplicate_of=_brief({"status": ADOPTED, **adopted}),
        )
    existing = app.find_candidate(state.name, sha, state.head)
    if existing is None or not existing.decided:
        return None
    earlier: dict[str, Any] = {"status": existing.status, **(existing.decision or {})}
    if existing.status == REJECTED:
        earlier.update(rule="validation", reason=_rejection(existing))
    detail = {
        ADOPTED: f"adopted as version {earlier.get('version')}",
        DECLINED: f"declined against version {earlier.get('against')}",
        REJECTED: "rejected by validation",
    }[existing.status]
    return SubmitOutcome(
        lineage=state.name,
        candidate_id=str(existing.id),
        sha256=sha,
        parent_version=existing.parent_version,
        status=DUPLICATE,
        version=earlier.get("version"),
        incumbent_version=earlier.get("against"),
        rule=earlier.get("rule"),
        reason=f"already submitted on version {state.head}: {detail}",
        reasons=list(existing.reasons),
        metrics=None if existing.result is None else comparable(existing.result),
        incumbent_metrics=earlier.get("incumbent_metrics"),
        duplicate_of=_brief(earlier),
    )


def _rejection(candidate: Candidate) -> str:
    return "rejected by validation: " + "; ".join(candidate.reasons)


def _brief(decision: dict) -> dict:
    """A decision without its metric sets, for reporting a duplicate."""
    return {k: v for k, v in decision.items() if k not in ("candidate_metrics", "incumbent_metrics", "policy")}
