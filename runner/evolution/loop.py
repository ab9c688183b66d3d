"""The evolution loop: analyse -> propose -> validate -> test -> decide -> record, again and again.

The ledger is the only state. Each proposal is recorded (analysis, then candidate with its
source) before it is tested, so a run killed at any point resumes: candidates left proposed
or tested are finished first, and the planner's next iteration number is read from the
ledger. Candidates of one round are tested in parallel, one warm sandbox per worker process;
decisions are taken one at a time, each against the best at that moment, and the lineage's
optimistic concurrency keeps two deciders (even in two runs) from creating the same version.

With `in_flight` > 0, that many planner calls keep running (each in its own thread, on the context of
the moment it started) while a round is tested; their answers are taken, recorded and decided in the
order the calls started, so the record stays serial. A call still running when the run ends is
abandoned unrecorded (its thread is a daemon); calls stopped by the budget simply never start.

A run left by an exception (`run` turns SIGTERM and SIGINT into one: runner/cli/support.py) kills its
workers at once, without waiting for their tests; a worker also dies with the run's process if that
is killed outright, and its sandboxes die with it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field, replace

from domain.candidate import PENDING, PROPOSED, TESTED, Candidate
from domain.ids import sha256_of
from domain.records import AdoptionTestResult
from domain.verdict import OK
from projections.history import HistoryRow
from projections.session import Session
from runner.evaluation.clips import Suite
from runner.evaluation.evaluator import remeasure_incumbent
from runner.evolution.lifecycle import finish
from runner.evolution.narration import QUIET, Narration
from runner.evolution.stalls import watch_for_stalls
from runner.evolution.testers import LocalTesters, Testers, TestersFactory
from runner.planners.base import (
    AnalysisRecord,
    CandidateFeedback,
    Planner,
    PlannerContext,
    PlannerFailed,
    PlannerStopped,
    Proposal,
    RecentFailure,
)
from runner.planners.feedback import feedback_of
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
                 testers: TestersFactory = LocalTesters, in_flight: int = 0):
        """nonces: sha256 of a source -> the recorded material to test it on, where a replay reproduces
        a history (a nonce is only ever reused for the very source it was drawn for).
        testers: where the tests run (runner/evolution/testers.py), given the suite, policy, workers and nonces.
        in_flight: planner calls kept running while a round is tested (0: the planner is asked only between rounds)."""
        self.session, self.app = session, session.app
        self.lineage, self.suite, self.planner = lineage, suite, planner
        self.policy = self.app.lineage(lineage).policy_object
        self.workers, self.narration = max(1, workers), narration
        self.nonces = dict(nonces or {})
        self.testers = testers
        self.in_flight = max(0, in_flight)
        self._calls: deque[tuple[PlannerContext, Future[Proposal]]] = deque()  # started, not yet taken, in order
        self._feedback: dict[str, CandidateFeedback] = {}  # candidate id -> its feedback, once decided
        self._analyses: list[AnalysisRecord] = []
        self._analyses_read = 0  # the log position up to which _analyses has been read

    # --- the loop ---

    def run(self, iterations: int, max_minutes: float | None = None,
            tick: Callable[[], None] = lambda: None) -> RunSummary:
        summary = RunSummary()
        failures: list[str] = []  # the error of each planner call that gave no candidate
        deadline = None if max_minutes is None else time.monotonic() + 60 * max_minutes
        with self.testers(self.suite, self.policy, self.workers, self.nonces) as testers:
            self._finish_interrupted(testers, summary)
            while summary.iterations < iterations:
                batch: list[Candidate] = []
                if deadline is not None and time.monotonic() > deadline:
                    summary.stopped = f"--max-minutes {max_minutes:g} reached"
                else:
                    try:
                        for _ in range(min(self.workers, iterations - summary.iterations)):
                            self._start_calls(1)
                            self._take(summary, failures, batch)
                            tick()
                        self._start_calls(min(self.in_flight, iterations - summary.iterations))
                    except PlannerStopped as stopped:
                        summary.stopped = str(stopped)
                while summary.stopped and self._calls:  # calls already made are paid for: record them too
                    try:
                        self._take(summary, failures, batch)
                        tick()
                    except PlannerStopped:
                        pass
                self._finish(batch, testers, summary)
                watch_for_stalls(self.session, self.lineage, self.narration)
                if summary.stopped:
                    break
        self.session.refresh()
        if failures and len(failures) == summary.iterations:
            raise PlannerFailed(f"every planner call failed ({len(failures)} of {summary.iterations}); "
                                f"the last: {failures[-1]}")
        return summary

    def _start_calls(self, wanted: int) -> None:
        """Start planner calls until `wanted` are running or waiting to be taken. Each call's context
        numbers it after the calls before it (a planner such as replay reads its iteration)."""
        while len(self._calls) < wanted:
            context = self.context()
            context = replace(context, iteration=context.iteration + len(self._calls))
            future: Future[Proposal] = Future()

            def call(context: PlannerContext = context, future: Future[Proposal] = future) -> None:
                try:
                    future.set_result(self.planner.propose(context))
                except BaseException as error:  # handed to the loop's thread, which raises it when it takes the call
                    future.set_exception(error)

            threading.Thread(target=call, name="planner-call", daemon=True).start()
            self._calls.append((context, future))

    def _take(self, summary: RunSummary, failures: list[str], batch: list[Candidate]) -> None:
        """The oldest call started, waited for and recorded; its candidate joins the batch to test, if there is one
        (PlannerStopped where the planner stopped instead of calling)."""
        _, future = self._calls.popleft()
        proposal = future.result()
        if proposal.error is not None:
            failures.append(proposal.error)
        candidate = self._record(proposal, summary)
        if candidate is not None and candidate.id not in {c.id for c in batch}:
            batch.append(candidate)

    def _record(self, proposal: Proposal, summary: RunSummary) -> Candidate | None:
        """One planner call's answer recorded; returns the candidate to test, if there is one. It is numbered by
        the lineage's count of analyses when recorded: calls are recorded in the order they started."""
        iteration = len(self._read_analyses())
        summary.iterations += 1
        text = proposal.analysis
        if proposal.error is not None:
            text = f"{proposal.analysis}\n\n[no candidate: {proposal.error}]".strip()
        _, candidate = self.app.record_proposal(
            self.lineage, key=_proposal_key(self.planner.name, iteration, proposal), planner=proposal.planner,
            text=text, source=proposal.source, rationale=proposal.rationale, model=proposal.model,
            tokens_in=proposal.tokens_in, tokens_out=proposal.tokens_out, cost_usd=proposal.cost_usd,
            details=proposal.details or None)
        if candidate is None:
            self.narration.no_candidate(proposal.planner, iteration + 1, proposal.error)
            return None
        if candidate.decided:  # this exact source was already judged against this best
            self.narration.already_decided(proposal.planner, candidate)
            return None
        summary.proposed += 1
        return candidate

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
                          remeasure=self._remeasure, narration=self.narration)
        versions = (done.candidate.adopted_version for done in finished)
        summary.adopted += [version for version in versions if version is not None]

    def _remeasure(self, source: str, nonce: str) -> AdoptionTestResult:
        return remeasure_incumbent(source, self.suite, self.policy, nonce)

    # --- what the planner sees ---

    def context(self) -> PlannerContext:
        from projections.cost import cost
        from projections.current_best import current_best, versions
        from projections.pareto import pareto_front

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
        decided = [(version["candidate_id"], version["sha256"]) for version in versions(view, self.lineage)]
        decided += [(row["candidate_id"], row["sha256"]) for row in history if row["decision"] != PENDING]
        feedback: dict[str, CandidateFeedback] = {}
        for candidate_id, sha in decided:
            if candidate_id not in self._feedback:
                self._feedback[candidate_id] = feedback_of(self.app.candidate(candidate_id))
            feedback.setdefault(sha, self._feedback[candidate_id])
        return PlannerContext(
            lineage=self.lineage, iteration=cost(view, self.lineage)["analyses"],
            best_version=best["version"], best_source=best["source"], best_metrics=best["metrics"],
            policy=self.policy, history=history, recent_failures=failures[-10:], sources=sources,
            feedback=feedback, analyses=self._read_analyses(), best_sha256=best["sha256"],
            front=[member["sha256"] for member in pareto_front(view, self.lineage)])

    def _read_analyses(self) -> list[AnalysisRecord]:
        """The lineage's planner calls, oldest first, read from the log once each."""
        for event in self.app.stored_events(types=["AnalysisRecorded"], start=self._analyses_read + 1):
            self._analyses_read = event["position"]
            if event.get("lineage") == self.lineage:
                self._analyses.append(AnalysisRecord(planner=event["planner"], model=event.get("model"),
                                                     cost_usd=float(event.get("cost_usd") or 0.0),
                                                     details=event.get("details") or {}))
        return list(self._analyses)

    def _history(self) -> list[HistoryRow]:
        from projections.history import history

        return history(self.session.view, self.lineage)


def _proposal_key(planner: str, iteration: int, proposal: Proposal) -> str:
    """Names a proposal so that a resumed run, proposing the same again, records nothing new,
    while a different proposal at the same iteration (another run, another reply) is its own."""
    what = "none" if proposal.source is None else sha256_of(proposal.source)
    return f"{planner}:{iteration}:{what}"
