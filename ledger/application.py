"""The codec ledger: an eventsourcing Application that records what happens to a lineage.

CodecLedger's commands record events (start a lineage, record an analysis, propose / reject /
test / decide a candidate, roll back); its queries (ledger/queries.py) rebuild aggregates, at any
version, from them. An adoption writes the candidate's CandidateAdopted and the lineage's
VersionCreated in one transaction: the lineage's optimistic concurrency is what keeps two deciders
from both creating version N. The application never runs code or touches video; taking a
candidate through the whole cycle is runner/evolution/lifecycle.py's job.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Mapper, OperationalError, RecordConflictError

from domain.analysis import Analysis
from domain.candidate import PROPOSED, TESTED, Candidate
from domain.ids import candidate_id as make_candidate_id
from domain.ids import sha256_of, source_id
from domain.jsonsafe import json_safe
from domain.lineage import Lineage
from domain.policy import Policy, comparable, seed_decision
from domain.records import AdoptionTestResult, Reproduction, StallRecord, ValidationRecord
from domain.seed import SEED_SOURCE
from domain.source import SourceBlob
from ledger.chain import ChainMapper
from ledger.errors import Busy, LedgerError, StoreError, SuiteMismatch, first_line
from ledger.outcomes import RollbackOutcome
from ledger.queries import LedgerQueries
from ledger.store import APP_NAME, DEFAULT_LOCK_RETRIES

T = TypeVar("T")

# How often a command re-reads and tries again when another writer recorded first.
PROPOSAL_TRIES = 3
DECISION_TRIES = 50


class CodecLedger(LedgerQueries):
    name = APP_NAME
    snapshotting_intervals = {Lineage: 20}

    def __init__(self, env: dict | None = None, *, lock_retries: int = DEFAULT_LOCK_RETRIES) -> None:
        super().__init__(env)
        self.lock_retries = max(1, lock_retries)
        self.chain.attach(self.recorder)

    def construct_mapper(self) -> Mapper[UUID]:
        """Every stored event carries its link in the tamper-evident chain (ledger/chain.py)."""
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=ChainMapper)

    @property
    def chain(self) -> ChainMapper:
        assert isinstance(self.mapper, ChainMapper)
        return self.mapper

    def start_lineage(self, name: str, suite: dict, policy: Policy, seed_test: AdoptionTestResult) -> Lineage:
        """Record a new lineage with version 0, the seed measured by seed_test (test_candidate on the seed).

        Returns the existing lineage instead when one of that name was started on the same
        suite (so a retry, or a concurrent start, records nothing new).
        """
        existing = self._find_lineage(name)
        if existing is not None:
            return self._same_suite(existing, suite)
        try:
            decision = seed_decision(seed_test)
        except ValueError as exc:
            raise LedgerError(str(exc)) from None
        sha = sha256_of(SEED_SOURCE)
        blob = None if self._exists(source_id(sha)) else SourceBlob.store(SEED_SOURCE)
        seed = Candidate(
            lineage=name,
            sha256=sha,
            parent_version=None,
            rationale="the seed: copy the input (raw BGR frames, no compression)",
            planner="seed",
        )
        seed.record_test(seed_test)
        lineage = Lineage.start(name, suite, policy)
        seed.adopt(0, None, None, decision, policy.thresholds())
        lineage.create_version(0, str(seed.id), sha, comparable(seed.test_result))
        try:
            self._save(*(a for a in (lineage, blob, seed) if a is not None))
        except RecordConflictError:
            existing = self._find_lineage(name)
            if existing is None:  # only the shared seed source collided: record the rest
                self._save(lineage, seed)
                return lineage
            return self._same_suite(existing, suite)
        return lineage

    def record_analysis(
        self,
        lineage: str,
        *,
        planner: str,
        text: str,
        model: str | None = None,
        tokens_in: int = 0,
        tokens_out: int = 0,
        cost_usd: float = 0.0,
        key: str | None = None,
    ) -> str:
        """Record a planner's analysis; with a key, a retry returns the first one's id and records nothing."""
        self.lineage(lineage)
        analysis = Analysis(lineage=lineage, key=key, planner=planner, model=model, text=text,
                            tokens_in=int(tokens_in), tokens_out=int(tokens_out), cost_usd=float(cost_usd))
        if key and self._exists(analysis.id):
            return str(analysis.id)
        try:
            self._save(analysis)
        except RecordConflictError:
            if not key:
                raise
        return str(analysis.id)

    def record_proposal(
        self,
        lineage: str,
        *,
        key: str,
        planner: str,
        text: str,
        source: str | None,
        rationale: str = "",
        model: str | None = None,
        tokens_in: int = 0,
        tokens_out: int = 0,
        cost_usd: float = 0.0,
        details: dict | None = None,
    ) -> tuple[str, Candidate | None]:
        """A planner's analysis and the candidate proposed from it, recorded in one transaction.

        So a run killed between the two never leaves an analysis whose code is lost. With the
        same key again (a resumed run), nothing new is recorded and the first ones come back.
        """
        state = self.lineage(lineage)
        sha = None if source is None else sha256_of(source)

        def attempt() -> tuple[str, Candidate | None]:
            analysis = Analysis(lineage=lineage, key=key, planner=planner, model=model, text=text,
                                tokens_in=int(tokens_in), tokens_out=int(tokens_out), cost_usd=float(cost_usd),
                                details=None if details is None else json_safe(details, "details"))
            proposed = None if sha is None else self.find_candidate(lineage, sha, state.head)
            if self._exists(analysis.id):  # recorded by an earlier attempt
                return str(analysis.id), proposed
            aggregates: list[Aggregate] = [analysis]
            # A source proposed against this best before keeps its candidate: the analysis is recorded alone.
            if source is not None and sha is not None and proposed is None:
                if not self._exists(source_id(sha)):
                    aggregates.append(SourceBlob.store(source))
                proposed = Candidate(lineage=lineage, sha256=sha, parent_version=state.head, rationale=rationale,
                                     planner=planner, model=model, analysis_id=str(analysis.id))
                aggregates.append(proposed)
            self._save(*aggregates)
            return str(analysis.id), proposed

        return self._retry_on_conflict(attempt, tries=PROPOSAL_TRIES, busy=f"could not record the proposal {key!r}")

    def propose(
        self,
        lineage: str,
        source: str,
        *,
        rationale: str = "",
        planner: str = "human",
        model: str | None = None,
        analysis_id: str | None = None,
        parent_version: int | None = None,
    ) -> Candidate:
        """The candidate for (lineage, source, parent version), recorded with its source if new.

        parent_version defaults to the lineage's current best. Proposing the same thing again
        returns the candidate already recorded, in whatever state it reached.
        """
        state = self.lineage(lineage)
        parent = state.head if parent_version is None else state.version_record(parent_version)["version"]
        sha = sha256_of(source)

        def attempt() -> Candidate:
            found = self.find_candidate(lineage, sha, parent)
            if found is not None:
                return found
            candidate = Candidate(lineage=lineage, sha256=sha, parent_version=parent, rationale=rationale or "",
                                  planner=planner, model=model, analysis_id=analysis_id)
            blob = None if self._exists(source_id(sha)) else SourceBlob.store(source)
            self._save(*(a for a in (blob, candidate) if a is not None))
            return candidate

        cid = make_candidate_id(lineage, sha, parent)
        return self._retry_on_conflict(attempt, tries=PROPOSAL_TRIES, busy=f"could not record candidate {cid}")

    def reject(self, candidate_id: str, reasons: list[str]) -> Candidate:
        """Record validation's reasons once; a concurrent or repeated recording keeps the first."""
        candidate = self.candidate(candidate_id)
        if candidate.status == PROPOSED:
            candidate.reject(reasons)
            self._save_unless_recorded(candidate)
        return self.candidate(candidate_id)

    def record_test(self, candidate_id: str, result: AdoptionTestResult, reused_from: str | None = None) -> Candidate:
        """Record a test result once; a concurrent or repeated recording keeps the first."""
        candidate = self.candidate(candidate_id)
        if candidate.status == PROPOSED:
            candidate.record_test(result, reused_from=reused_from)
            self._save_unless_recorded(candidate)
        return self.candidate(candidate_id)

    def record_rescore(self, candidate_id: str, result: AdoptionTestResult, reproduction: Reproduction) -> Candidate:
        """A later measurement of a tested candidate, recorded beside its test (a new event, never an edit)."""

        def attempt() -> Candidate:
            candidate = self.candidate(candidate_id)
            candidate.rescore(result, reproduction)
            self._save(candidate)
            return candidate

        return self._retry_on_conflict(attempt, tries=DECISION_TRIES, busy=f"candidate {candidate_id}: busy; try again")

    def record_validation(self, candidate_id: str, result: ValidationRecord) -> Candidate:
        """An adopted version measured on validation clips, recorded beside its test (never decided on)."""

        def attempt() -> Candidate:
            candidate = self.candidate(candidate_id)
            candidate.record_validation(result)
            self._save(candidate)
            return candidate

        return self._retry_on_conflict(attempt, tries=DECISION_TRIES, busy=f"candidate {candidate_id}: busy; try again")

    def record_remeasured_incumbent(self, candidate_id: str, version: int, sha256: str,
                                    result: AdoptionTestResult) -> Candidate:
        """The best (version, sha256) measured on a tested candidate's material, kept for its decision; nothing
        where another run decided the candidate, or recorded a remeasurement, meanwhile."""
        candidate = self.candidate(candidate_id)
        if candidate.status == TESTED:
            candidate.remeasure_incumbent(version, sha256, comparable(result))
            self._save_unless_recorded(candidate)
        return self.candidate(candidate_id)

    def decide(self, lineage: str, candidate_id: str) -> Candidate:
        """Decide a tested candidate against the current best; returns it decided.

        When another decider creates a version first, the store refuses this adoption; the
        lineage is reloaded and the candidate judged again against whatever is best now. A
        candidate someone else decided meanwhile is returned as they decided it.
        """

        def attempt() -> Candidate:
            candidate = self.candidate(candidate_id)
            if candidate.decided:
                return candidate
            if candidate.status != TESTED:
                raise LedgerError(f"candidate {candidate_id} is {candidate.status}, not tested")
            state = self.lineage(lineage)
            best = state.best
            decision = state.judge(candidate.test_result, candidate.remeasured_incumbent)
            incumbent, _ = state.incumbent_metrics(candidate.remeasured_incumbent)
            policy = state.policy_object.thresholds()
            if decision.adopted:
                version = state.next_version
                candidate.adopt(version, best["version"], incumbent, decision, policy)
                state.create_version(version, str(candidate.id), candidate.sha256, comparable(candidate.test_result))
                self._save(candidate, state)
            else:
                candidate.decline(best["version"], incumbent, decision, policy)
                self._save(candidate)
            return candidate

        busy = f"lineage {lineage!r}: {DECISION_TRIES} other decisions came first; try again"
        return self._retry_on_conflict(attempt, tries=DECISION_TRIES, busy=busy)

    def rollback(self, lineage: str, version: int, reason: str) -> RollbackOutcome:
        """Make version the best again; when it already is, nothing new is recorded."""

        def attempt() -> RollbackOutcome:
            state = self.lineage(lineage)
            record = state.version_record(version)
            if state.head == version:
                return RollbackOutcome(lineage, version, version, record["sha256"], reason, recorded=False)
            before = state.head
            state.roll_back(version, reason)
            self._save(state)
            return RollbackOutcome(lineage, version, before, record["sha256"], reason.strip(), recorded=True)

        busy = f"lineage {lineage!r}: too many concurrent decisions; try again"
        return self._retry_on_conflict(attempt, tries=DECISION_TRIES, busy=busy)

    def record_stall(self, lineage: str, stall: StallRecord) -> bool:
        """Record a stall alarm on the lineage, once per key; whether this call recorded it."""

        def attempt() -> bool:
            state = self.lineage(lineage)
            if not state.record_stall(stall):
                return False
            self._save(state)
            return True

        busy = f"lineage {lineage!r}: too many concurrent decisions; try again"
        return self._retry_on_conflict(attempt, tries=DECISION_TRIES, busy=busy)

    # ------------------------------------------------------------------ writing

    @staticmethod
    def _retry_on_conflict(attempt: Callable[[], T], *, tries: int, busy: str) -> T:
        """attempt(), again while the store refuses its write because another writer recorded the same
        aggregate first (each attempt reads the ledger afresh); after tries attempts, Busy(busy)."""
        for _ in range(tries):
            try:
                return attempt()
            except RecordConflictError:
                continue
        raise Busy(busy)

    def _save_unless_recorded(self, aggregate: Aggregate) -> None:
        try:
            self._save(aggregate)
        except RecordConflictError:
            pass  # recorded concurrently by someone else; callers read it back

    def _save(self, *aggregates: Aggregate) -> None:
        """Save, retrying while a SQLite file is locked by another writer; then a one-line StoreError."""
        events = [event for aggregate in aggregates for event in aggregate.collect_events()]
        for attempt in range(1, self.lock_retries + 1):
            try:
                # The events, collected once so a retry can save them again; the aggregates (no longer
                # holding pending events) so that snapshots are taken as usual.
                self.save(*events, *aggregates)
                return
            except OperationalError as exc:
                self.chain.forget()  # the links of events that were not stored
                text = str(exc).lower()
                if "locked" not in text and "busy" not in text and "lock timeout" not in text:
                    raise StoreError(f"the ledger store failed: {first_line(exc)}") from None
                if attempt == self.lock_retries:
                    raise StoreError(
                        f"the ledger is locked by another process (gave up after {attempt} tries)") from None
                time.sleep(0.2 * attempt)
            except BaseException:
                self.chain.forget()
                raise

    def _same_suite(self, lineage: Lineage, suite: dict) -> Lineage:
        want, have = suite.get("hash"), lineage.suite.get("hash")
        if want != have:
            raise SuiteMismatch(
                f"lineage {lineage.name!r} was started on suite {lineage.suite.get('name')!r} "
                f"(hash {str(have)[:12]}), not {suite.get('name')!r} (hash {str(want)[:12]}); "
                "use --lineage NAME to start another lineage"
            )
        return lineage
