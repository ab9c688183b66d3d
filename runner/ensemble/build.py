"""An ensemble of a lineage's recorded codecs, written and put through the ordinary cycle.

The ensemble is proposed like any planner's candidate: its analysis event (AnalysisRecorded, planner
`ensemble`) carries in `details` the members by sha256 and the routing rule; then lifecycle.submit
validates, tests, decides and records it, so it is adopted only when it wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.ids import sha256_of
from domain.pareto import DEFAULT_OBJECTIVES
from ledger.application import CodecLedger
from projections.view import LedgerView
from runner.ensemble.compose import TooLarge, compose
from runner.ensemble.members import MemberChoice, as_member, chosen_candidates
from runner.ensemble.routing import Member, RoutingRule, routing_rule
from runner.evaluation.clips import Suite
from runner.evolution.lifecycle import Remeasure, Test, Validate, duplicate_outcome, submit
from runner.evolution.narration import QUIET, Narration
from runner.evolution.outcome import SubmitOutcome

PLANNER = "ensemble"


@dataclass(frozen=True)
class Ensemble:
    source: str
    members: list[Member]
    rule: RoutingRule
    left_out: tuple[str, ...] = ()  # sha256 of the chosen codecs left out so that the ensemble fits the sandbox

    def details(self) -> dict:
        """What the proposal's analysis records of it."""
        return {"ensemble": {"members": list(self.members), "routing": self.rule}}

    def describe(self) -> str:
        names = ", ".join(f"v{m['version']}" if m["version"] is not None else m["sha256"][:12] for m in self.members)
        wins = [sum(route["member"] == index for route in self.rule["routes"]) for index in range(len(self.members))]
        shares = ", ".join(f"{count} clip{'s' * (count != 1)} to member {i}" for i, count in enumerate(wins))
        return f"ensemble of {names} routed by content ({shares})"


def build_ensemble(app: CodecLedger, view: LedgerView, lineage: str, suite: Suite, *, top: int, by: str,
                   objectives: Sequence[str] = DEFAULT_OBJECTIVES) -> Ensemble:
    """The ensemble of the lineage's `top` best recorded codecs (by versions or by the Pareto front), less the
    lowest-ranked where all of them would not fit in one candidate's source (the sandbox's limit)."""
    candidates = chosen_candidates(app, view, lineage, top, by, objectives)
    if len(candidates) < 2:
        raise MemberChoice(f"lineage {lineage!r} has {len(candidates)} codec(s) that met the target by {by}; "
                           "an ensemble needs at least 2")
    target = app.lineage(lineage).policy_object.target_psnr_y
    for count in range(len(candidates), 1, -1):  # the best first: the lowest-ranked give way where it is too big
        chosen = candidates[:count]
        members = [as_member(candidate) for candidate in chosen]
        rule = routing_rule([candidate.test_result for candidate in chosen], suite, target)
        try:
            source = compose([app.source(member["sha256"]) for member in members], members, rule)
        except TooLarge as too_large:
            if count == 2:
                raise MemberChoice(f"even the 2 best of lineage {lineage!r} by {by} do not fit: {too_large}") from None
            continue
        return Ensemble(source=source, members=members, rule=rule,
                        left_out=tuple(candidate.sha256 for candidate in candidates[count:]))
    raise AssertionError("unreachable: the loop returns or raises at 2 members")


def submit_ensemble(app: CodecLedger, lineage: str, ensemble: Ensemble, *, validate: Validate, test: Test,
                    remeasure: Remeasure | None = None, narration: Narration = QUIET) -> SubmitOutcome:
    """Propose the ensemble with its members and rule on record, then take it through the cycle (idempotent)."""
    state = app.lineage(lineage)
    sha = sha256_of(ensemble.source)
    duplicate = duplicate_outcome(app, state, sha)
    if duplicate is not None:  # already the best, or already decided against it: nothing to record
        narration.duplicate(duplicate)
        return duplicate
    describe = ensemble.describe()
    analysis_id, _ = app.record_proposal(
        lineage, key=f"{PLANNER}:{state.head}:{sha}", planner=PLANNER,
        text=f"Composed an {describe}.", source=ensemble.source, rationale=describe, details=ensemble.details())
    return submit(app, lineage, ensemble.source, validate=validate, test=test, remeasure=remeasure, rationale=describe,
                  planner=PLANNER, analysis_id=analysis_id, narration=narration)
