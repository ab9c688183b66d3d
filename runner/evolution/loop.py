"""The evolution loop: analyse -> propose -> validate -> test -> decide -> record, again and again.

The ledger is the only state. Each proposal is recorded (analysis, then candidate with its
source) before it is tested, so a run killed at any point resumes: candidates left proposed
or tested are finished first, and the planner's next iteration number is read from the
ledger. Candidates of one round are tested in parallel, one warm sandbox per worker process;
decisions are taken one at a time, each against the best at that moment, and the lineage's
optimistic concurrency keeps two deciders (even in two runs) from creating the same version.

A run left by an exception (`run` turns SIGTERM and SIGINT into one: runner/cli/support.py) kills its
workers at once, without waiting for their tests; a worker also dies with the run's process if that
is killed outright, and its sandboxes die with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from domain.candidate import PENDING, PROPOSED, TESTED, Candidate
from domain.ids import sha256_of
from domain.verdict import OK
from projections.history import HistoryRow
from projections.session import Session
from runner.evaluation.clips import Suite
from runner.evolution.lifecycle import finish
from runner.evolution.narration import QUIET, Narration
from runner.evolution.testers import LocalTesters, Testers, TestersFactory
from runner.planners.base import Planner, PlannerContext, PlannerFailed, PlannerStopped, Proposal, RecentFailure
from runner.sandbox.validation import validate


@dataclass
class RunSummary:
    iterations: int = 0  # planner calls made by this run
    proposed: int = 0
    adopted: list[int] = field(default_factory=list)  # versions created by this run
    resumed: int = 0  # candidates an earlier, interrupted run had left unfinished
    stopped: str | None = None  # why the run ended early, if it did

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class Evolution:
    """One lineage evolving under one planner, recorded in one ledger session, under the lineage's policy."""

    def __init__(self, session: Session, lineage: str, suite: Suite, planner: Planner, *, workers: int = 1,
                 narration: Narration = QUIET, nonces: Mapping[str, str] | None = None,
                 testers: TestersFactory = LocalTesters):
        """nonces: sha256 of a source -> the recorded material to test it on, where a replay reproduces
        a history (a nonce is only ever reused for the very source it was drawn for).
        testers: where the tests run (runner/evolution/testers.py), given the suite, policy, workers and nonces."""
        self.session, self.app = session, session.app
        self.lineage, self.suite, self.planner = lineage, suite, planner
        self.policy = self.app.lineage(lineage).policy_object
        self.workers, self.narration = max(1, workers), narration
        self.nonces = dict(nonces or {})
        self.testers = testers

    # --- the loop ---

    def run(self, iterations: int, max_minutes: float | None = None,
            tick: Callable[[], None] = lambda: None) -> RunSummary:
        summary = RunSummary()
        failures: list[str] = []  # the error of each planner call that gave no candidate
        deadline = None if max_minutes is None else time.monotonic() + 60 * max_minutes
        with self.testers(self.suite, self.policy, self.workers, self.nonces) as testers:
            self._finish_interrupted(testers, summary)
            while summary.iterations < iterations:
                if deadline is not None and time.monotonic() > deadline:
                    summary.stopped = f"--max-minutes {max_minutes:g} reached"
                    break
                batch: list[Candidate] = []
                try:
                    for _ in range(min(self.workers, iterations - summary.iterations)):
                        proposal, candidate = self._plan_one(summary)
                        if proposal.error is not None:
                            failures.append(proposal.error)
                        tick()
                        if candidate is not None and candidate.id not in {c.id for c in batch}:
                            batch.append(candidate)
                except PlannerStopped as stopped:
                    summary.stopped = str(stopped)
                self._finish(batch, testers, summary)
                if summary.stopped:
                    break
        self.session.refresh()
        if failures and len(failures) == summary.iterations:
            raise PlannerFailed(f"every planner call failed ({len(failures)} of {summary.iterations}); "
                                f"the last: {failures[-1]}")
        return summary

    def _plan_one(self, summary: RunSummary) -> tuple[Proposal, Candidate | None]:
        """One planner call, recorded; returns the proposal and the candidate to test, if there is one."""
        context = self.context()
        proposal = self.planner.propose(context)
        summary.iterations += 1
        text = proposal.analysis
        if proposal.error is not None:
            text = f"{proposal.analysis}\n\n[no candidate: {proposal.error}]".strip()
        _, candidate = self.app.record_proposal(
            self.lineage, key=_proposal_key(self.planner.name, context.iteration, proposal), planner=proposal.planner,
            text=text, source=proposal.source, rationale=proposal.rationale, model=proposal.model,
            tokens_in=proposal.tokens_in, tokens_out=proposal.tokens_out, cost_usd=proposal.cost_usd)
        if candidate is None:
            self.narration.no_candidate(proposal.planner, context.iteration + 1, proposal.error)
            return proposal, None
        if candidate.decided:  # this exact source was already judged against this best
            self.narration.already_decided(proposal.planner, candidate)
            return proposal, None
        summary.proposed += 1
        return proposal, candidate

    def _finish_interrupted(self, testers: Testers, summary: RunSummary) -> None:
        self.session.refresh()
        pending = [row for row in self._history() if row["decision"] == PENDING]
        candidates = [self.app.candidate(row["candidate_id"]) for row in pending]
        candidates = [c for c in candidates if c.status in (PROPOSED, TESTED)]
        if candidates:
            summary.resumed = len(candidates)
            self.narration.resuming(len(candidates))
            self._finish(candidates, testers, summary)

    def _finish(self, candidates: list[Candidate], testers: Testers, summary: RunSummary) -> None:
        """Candidates of one round tested in parallel, then decided one at a time (runner/evolution/lifecycle.py)."""
        finished = finish(self.app, self.lineage, candidates, validate=validate, test_all=testers.test,
                          narration=self.narration)
        versions = (done.candidate.adopted_version for done in finished)
        summary.adopted += [version for version in versions if version is not None]

    # --- what the planner sees ---

    def context(self) -> PlannerContext:
        from projections.cost import cost
        from projections.current_best import current_best, versions

        self.session.refresh()
        view = self.session.view
        best = current_best(view, self.lineage, source_of=self.app.source)
        assert best is not None, "a started lineage always has version 0"
        history = self._history()
        sources = {best["sha256"]: best["source"]}
        for sha in [version["sha256"] for version in versions(view, self.lineage)] + [row["sha256"] for row in history]:
            if sha not in sources:
                sources[sha] = self.app.source(sha)
        failures = [RecentFailure(sha256=row["sha256"], category=row["verdict"], message=row["reason"])
                    for row in history if row["verdict"] not in (None, OK)]
        return PlannerContext(
            lineage=self.lineage, iteration=cost(view, self.lineage)["analyses"],
            best_version=best["version"], best_source=best["source"], best_metrics=best["metrics"],
            policy=self.policy, history=history, recent_failures=failures[-10:], sources=sources)

    def _history(self) -> list[HistoryRow]:
        from projections.history import history

        return history(self.session.view, self.lineage)


def _proposal_key(planner: str, iteration: int, proposal: Proposal) -> str:
    """Names a proposal so that a resumed run, proposing the same again, records nothing new,
    while a different proposal at the same iteration (another run, another reply) is its own."""
    what = "none" if proposal.source is None else sha256_of(proposal.source)
    return f"{planner}:{iteration}:{what}"
