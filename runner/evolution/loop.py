"""The evolution loop: analyse -> propose -> validate -> test -> decide -> record, again and again.

The ledger is the only state. Each proposal is recorded (analysis, then candidate with its
source) before it is tested, so a run killed at any point resumes: candidates left proposed
or tested are finished first, and the planner's next iteration number is read from the
ledger. Candidates of one round are tested in parallel, one warm sandbox per worker process;
decisions are taken one at a time, each against the best at that moment, and the lineage's
optimistic concurrency keeps two deciders (even in two runs) from creating the same version.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from domain.candidate import ADOPTED, PROPOSED, TESTED
from domain.ids import sha256_of
from runner.evaluation.clips import Suite
from runner.evaluation.evaluator import test_candidate
from runner.planners.base import Planner, PlannerContext, PlannerStopped
from runner.sandbox.pipeline import Sandbox
from runner.sandbox.validation import validate

Say = Callable[[str], None]


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
    """One lineage evolving under one planner, recorded in one ledger session."""

    def __init__(self, session, lineage: str, suite: Suite, planner: Planner, *, target_psnr_y: float,
                 workers: int = 1, say: Say = lambda text: None):
        self.session, self.app = session, session.app
        self.lineage, self.suite, self.planner = lineage, suite, planner
        self.target_psnr_y, self.workers, self.say = target_psnr_y, max(1, workers), say

    # --- the loop ---

    def run(self, iterations: int, max_minutes: float | None = None,
            tick: Callable[[], None] = lambda: None) -> RunSummary:
        summary = RunSummary()
        deadline = None if max_minutes is None else time.monotonic() + 60 * max_minutes
        with _Testers(self.suite, self.target_psnr_y, self.workers) as testers:
            self._finish_interrupted(testers, summary)
            while summary.iterations < iterations:
                if deadline is not None and time.monotonic() > deadline:
                    summary.stopped = f"--max-minutes {max_minutes:g} reached"
                    break
                batch = []
                try:
                    for _ in range(min(self.workers, iterations - summary.iterations)):
                        candidate = self._plan_one(summary)
                        tick()
                        if candidate is not None and candidate.id not in {c.id for c in batch}:
                            batch.append(candidate)
                except PlannerStopped as stopped:
                    summary.stopped = str(stopped)
                self._test_and_decide(batch, testers, summary)
                if summary.stopped:
                    break
        self.session.refresh()
        return summary

    def _plan_one(self, summary: RunSummary):
        """One planner call, recorded; returns the candidate to test, if there is one."""
        context = self.context()
        proposal = self.planner.propose(context)
        summary.iterations += 1
        text = proposal.analysis if proposal.error is None else f"{proposal.analysis}\n\n[no candidate: {proposal.error}]".strip()
        _, candidate = self.app.record_proposal(
            self.lineage, key=_proposal_key(self.planner.name, context.iteration, proposal), planner=proposal.planner, text=text,
            source=proposal.source, rationale=proposal.rationale, model=proposal.model,
            tokens_in=proposal.tokens_in, tokens_out=proposal.tokens_out, cost_usd=proposal.cost_usd)
        if candidate is None:
            self.say(f"💥 {proposal.planner} iteration {context.iteration + 1}: no candidate ({proposal.error})")
            return None
        if candidate.decided:  # this exact source was already judged against this best
            self.say(f"♻️  {proposal.planner} proposed a candidate already decided ({candidate.status}); skipped")
            return None
        summary.proposed += 1
        self.say(f"🧬 Evaluating candidate {candidate.sha256[:12]} from {proposal.planner}: {proposal.rationale}")
        return candidate

    def _finish_interrupted(self, testers: "_Testers", summary: RunSummary) -> None:
        self.session.refresh()
        pending = [row for row in self._history() if row["decision"] == "pending"]
        candidates = [self.app.candidate(row["candidate_id"]) for row in pending]
        candidates = [c for c in candidates if c.status in (PROPOSED, TESTED)]
        if candidates:
            summary.resumed = len(candidates)
            self.say(f"↩️  Resuming: {len(candidates)} candidate(s) left unfinished by an interrupted run")
            self._test_and_decide(candidates, testers, summary)

    def _test_and_decide(self, candidates: list, testers: "_Testers", summary: RunSummary) -> None:
        to_test = []
        for candidate in candidates:
            if candidate.status != PROPOSED:
                continue
            source = self.app.source(candidate.sha256)
            reasons = validate(source)
            if reasons:
                self.app.reject(str(candidate.id), reasons)
                self.say(f"🚫 {candidate.sha256[:12]} rejected by validation: {'; '.join(reasons)[:300]}")
                continue
            earlier = self.app.earlier_test(self.lineage, candidate.sha256)
            if earlier is not None:
                self.app.record_test(str(candidate.id), earlier.result, reused_from=str(earlier.id))
            else:
                to_test.append((candidate, source))
        for (candidate, _), result in zip(to_test, testers.test([source for _, source in to_test])):
            self.app.record_test(str(candidate.id), result)
        for candidate in candidates:
            current = self.app.candidate(candidate.id)
            if current.status == TESTED:
                current = self.app.decide(self.lineage, str(current.id))
            self._report(current, summary)

    def _report(self, candidate, summary: RunSummary) -> None:
        decision = candidate.decision or {}
        metrics = decision.get("candidate_metrics") or {}
        verdict = metrics.get("verdict") or {}
        short = candidate.sha256[:12]
        if candidate.status == "rejected":
            return
        if verdict.get("category") not in (None, "ok"):
            where = f" at frame {verdict['frame']}" if verdict.get("frame") is not None else ""
            self.say(f"💥 {short} {verdict.get('category')}{where}: {str(verdict.get('message'))[:200]}")
        summary_metrics = metrics.get("summary") or {}
        if summary_metrics:
            self.say(f"📊 {short}: {summary_metrics.get('kbps')} kbit/s, ratio {summary_metrics.get('ratio')}, "
                     f"PSNR-Y {summary_metrics.get('psnr_y')} dB at quality {metrics.get('quality')}")
        if candidate.status == ADOPTED:
            incumbent = (decision.get("incumbent_metrics") or {}).get("summary") or {}
            if incumbent.get("kbps") and summary_metrics.get("kbps"):
                gain = 100 * (1 - summary_metrics["kbps"] / incumbent["kbps"])
                self.say(f"🎯 Better by {gain:.1f}% than version {decision.get('against')} ({decision.get('rule')})")
            self.say(f"💾 Saved version {decision.get('version')}")
            self.say(f"🎉 Adopted: {decision.get('reason')}")
            summary.adopted.append(decision.get("version"))
        else:
            self.say(f"❌ Not adopted: {decision.get('reason')}")

    # --- what the planner sees ---

    def context(self) -> PlannerContext:
        from projections.cost import cost
        from projections.current_best import current_best, versions

        self.session.refresh()
        view = self.session.view
        best = current_best(view, self.lineage, source_of=self.app.source)
        history = self._history()
        sources = {best["sha256"]: best["source"]}
        for sha in [version["sha256"] for version in versions(view, self.lineage)] + [row["sha256"] for row in history]:
            if sha not in sources:
                sources[sha] = self.app.source(sha)
        failures = [{"sha256": row["sha256"], "category": row["verdict"], "message": row["reason"]}
                    for row in history if row["verdict"] not in (None, "ok")]
        return PlannerContext(
            lineage=self.lineage, iteration=cost(view, self.lineage)["analyses"],
            best_version=best["version"], best_source=best["source"], best_metrics=best["metrics"],
            target_psnr_y=self.target_psnr_y, history=history, recent_failures=failures[-10:], sources=sources)

    def _history(self) -> list[dict]:
        from projections.history import history

        return history(self.session.view, self.lineage)


def _proposal_key(planner: str, iteration: int, proposal) -> str:
    """Names a proposal so that a resumed run, proposing the same again, records nothing new,
    while a different proposal at the same iteration (another run, another reply) is its own."""
    what = "none" if proposal.source is None else sha256_of(proposal.source)
    return f"{planner}:{iteration}:{what}"


class _Testers:
    """Tests sources on the suite: in this process with one sandbox, or in a pool of workers."""

    def __init__(self, suite: Suite, target_psnr_y: float, workers: int):
        self.suite, self.target, self.workers = suite, target_psnr_y, workers
        self.sandbox: Sandbox | None = None
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "_Testers":
        if self.workers > 1:
            self.pool = ProcessPoolExecutor(self.workers, initializer=_start_worker, initargs=(self.suite, self.target))
        else:
            self.sandbox = Sandbox()
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
        if self.sandbox is not None:
            self.sandbox.close()

    def test(self, sources: list[str]) -> list[dict]:
        if self.pool is not None:
            return list(self.pool.map(_test_in_worker, sources))
        return [test_candidate(source, self.suite, target_psnr_y=self.target, sandbox=self.sandbox)
                for source in sources]


_worker: dict = {}


def _start_worker(suite: Suite, target: float) -> None:
    import atexit

    _worker.update(suite=suite, target=target, sandbox=Sandbox())
    atexit.register(_worker["sandbox"].close)


def _test_in_worker(source: str) -> dict:
    return test_candidate(source, _worker["suite"], target_psnr_y=_worker["target"], sandbox=_worker["sandbox"])

