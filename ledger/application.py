"""The codec ledger: an eventsourcing Application that orchestrates the domain's aggregates.

Commands record events (start a lineage, record an analysis, propose / reject / test /
decide a candidate, roll back); queries rebuild aggregates, at any version, from them.
An adoption writes the candidate's CandidateAdopted and the lineage's VersionCreated in one
transaction: the lineage's optimistic concurrency is what keeps two deciders from both
creating version N. The application never runs code or touches video: validation and
testing are handed in as functions.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import OperationalError, RecordConflictError
from eventsourcing.utils import get_topic

from domain.analysis import Analysis
from domain.candidate import ADOPTED, DECLINED, PROPOSED, REJECTED, TESTED, Candidate
from domain.ids import candidate_id as make_candidate_id
from domain.ids import lineage_id, sha256_of, source_id
from domain.jsonsafe import json_safe
from domain.lineage import Lineage, UnknownVersion
from domain.policy import Policy, comparable, seed_decision
from domain.seed import SEED_SOURCE
from domain.source import SourceBlob
from ledger.errors import Busy, LedgerError, StoreError, SuiteMismatch, UnknownCandidate, UnknownLineage
from ledger.outcomes import DUPLICATE, RollbackOutcome, SubmitOutcome
from ledger.store import APP_NAME

Validate = Callable[[str], list]  # source -> reasons (empty: passed)
Test = Callable[[str], dict]  # source -> test_candidate's result
Progress = Callable[[str, dict], None]  # (stage, details): "rejected", "reused", "evaluating", "tested", "decided"

AGGREGATES: tuple[type[Aggregate], ...] = (Lineage, Candidate, SourceBlob, Analysis)


def _event_classes() -> dict[str, type]:
    found: dict[str, type] = {}
    for agg in AGGREGATES:
        for value in vars(agg).values():
            if (
                isinstance(value, type)
                and issubclass(value, Aggregate.Event)
                and value.__qualname__.startswith(agg.__name__ + ".")
                and value.__name__ not in ("Event", "Created")
            ):
                found[value.__name__] = value
    return found


EVENT_TYPES: dict[str, type] = _event_classes()  # "CandidateAdopted" -> Candidate.CandidateAdopted, ...


class CodecLedger(Application[UUID]):
    name = APP_NAME
    snapshotting_intervals = {Lineage: 20}
    MAX_DECIDE_ATTEMPTS = 50

    def __init__(self, env: dict | None = None, *, lock_retries: int = 3) -> None:
        super().__init__(env)
        self.lock_retries = max(1, lock_retries)

    # ================================================================== commands

    def start_lineage(self, name: str, suite: dict, policy: Policy, seed_test: dict) -> Lineage:
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
        lineage.create_version(0, str(seed.id), sha, comparable(seed.result))
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
        analysis = Analysis(
            lineage=lineage,
            key=key,
            planner=planner,
            model=model,
            text=text,
            tokens_in=int(tokens_in),
            tokens_out=int(tokens_out),
            cost_usd=float(cost_usd),
        )
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
    ) -> tuple[str, Candidate | None]:
        """A planner's analysis and the candidate proposed from it, recorded in one transaction.

        So a run killed between the two never leaves an analysis whose code is lost. With the
        same key again (a resumed run), nothing new is recorded and the first ones come back.
        """
        state = self.lineage(lineage)
        analysis = Analysis(lineage=lineage, key=key, planner=planner, model=model, text=text,
                            tokens_in=int(tokens_in), tokens_out=int(tokens_out), cost_usd=float(cost_usd))
        sha = None if source is None else sha256_of(source)
        cid = None if sha is None else make_candidate_id(lineage, sha, state.head)
        for _ in range(2):
            if self._exists(analysis.id):  # recorded by an earlier attempt
                return str(analysis.id), self._get(cid) if cid else None
            if source is None:
                aggregates = [analysis]
            elif self._exists(cid):  # the same source was proposed against this best before
                aggregates = [analysis]
            else:
                candidate = Candidate(lineage=lineage, sha256=sha, parent_version=state.head, rationale=rationale,
                                      planner=planner, model=model, analysis_id=str(analysis.id))
                blob = None if self._exists(source_id(sha)) else SourceBlob.store(source)
                aggregates = [a for a in (analysis, blob, candidate) if a is not None]
            try:
                self._save(*aggregates)
            except RecordConflictError:
                continue  # recorded concurrently: read back what is there
            return str(analysis.id), self._get(cid) if cid else None
        raise Busy(f"could not record the proposal {key!r}")

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
        cid = make_candidate_id(lineage, sha, parent)
        for _ in range(2):
            found = self._get(cid)
            if found is not None:
                return found
            candidate = Candidate(
                lineage=lineage,
                sha256=sha,
                parent_version=parent,
                rationale=rationale or "",
                planner=planner,
                model=model,
                analysis_id=analysis_id,
            )
            blob = None if self._exists(source_id(sha)) else SourceBlob.store(source)
            try:
                self._save(*(a for a in (blob, candidate) if a is not None))
                return candidate
            except RecordConflictError:
                continue  # the same source or candidate was recorded concurrently: read it back
        found = self._get(cid)
        if found is None:
            raise Busy(f"could not record candidate {cid}")
        return found

    def reject(self, candidate_id: str, reasons: list[str]) -> Candidate:
        """Record validation's reasons once; a concurrent or repeated recording keeps the first."""
        candidate = self.candidate(candidate_id)
        if candidate.status == PROPOSED:
            candidate.reject(reasons)
            self._save_or_reload(candidate)
        return self.candidate(candidate_id)

    def record_test(self, candidate_id: str, result: dict, reused_from: str | None = None) -> Candidate:
        """Record a test result once; a concurrent or repeated recording keeps the first."""
        candidate = self.candidate(candidate_id)
        if candidate.status == PROPOSED:
            candidate.record_test(result, reused_from=reused_from)
            self._save_or_reload(candidate)
        return self.candidate(candidate_id)

    def earlier_test(self, lineage: str, sha256: str, state: Lineage | None = None) -> Candidate | None:
        """A candidate of this lineage with this source that was already tested (under any parent version)."""
        state = state or self.lineage(lineage)
        for parent in [None, *range(len(state.versions))]:
            cid = make_candidate_id(lineage, sha256, parent)
            if self._exists(cid):
                found = self.candidate(cid)
                if found.result is not None:
                    return found
        return None

    def decide(self, lineage: str, candidate_id: str) -> Candidate:
        """Decide a tested candidate against the current best; returns it decided.

        When another decider creates a version first, the store refuses this adoption; the
        lineage is reloaded and the candidate judged again against whatever is best now. A
        candidate someone else decided meanwhile is returned as they decided it.
        """
        for _ in range(self.MAX_DECIDE_ATTEMPTS):
            candidate = self.candidate(candidate_id)
            if candidate.decided:
                return candidate
            if candidate.status != TESTED:
                raise LedgerError(f"candidate {candidate_id} is {candidate.status}, not tested")
            state = self.lineage(lineage)
            best = state.best
            decision = state.judge(candidate.result)
            try:
                policy = state.policy_object.thresholds()
                if decision.adopted:
                    version = state.next_version
                    candidate.adopt(version, best["version"], best["metrics"], decision, policy)
                    state.create_version(version, str(candidate.id), candidate.sha256, comparable(candidate.result))
                    self._save(candidate, state)
                else:
                    candidate.decline(best["version"], best["metrics"], decision, policy)
                    self._save(candidate)
            except RecordConflictError:
                continue
            return candidate
        raise Busy(f"lineage {lineage!r}: {self.MAX_DECIDE_ATTEMPTS} other decisions came first; try again")

    def submit(
        self,
        lineage: str,
        source: str,
        *,
        validate: Validate,
        test: Test,
        rationale: str = "",
        planner: str = "human",
        model: str | None = None,
        analysis_id: str | None = None,
        progress: Progress | None = None,
    ) -> SubmitOutcome:
        """One candidate through the whole cycle: propose, validate, test, decide, record.

        Idempotent: the same source submitted again on the same best records nothing new and
        reports the earlier outcome; the source of the current best is a duplicate too. A
        source already tested in this lineage (against another best) is decided again on its
        recorded result, without re-testing. An interrupted submit resumes where it stopped.
        """
        notify = progress or (lambda stage, details: None)
        state = self.lineage(lineage)
        sha = sha256_of(source)
        duplicate = self._duplicate(state, sha)
        if duplicate is not None:
            return duplicate
        cid = str(make_candidate_id(lineage, sha, state.head))
        existing = self._get(UUID(cid))
        recorded: list[str] = []
        candidate = existing or self.propose(
            lineage,
            source,
            rationale=rationale,
            planner=planner,
            model=model,
            analysis_id=analysis_id,
            parent_version=state.head,
        )
        if existing is None:
            recorded.append("CandidateProposed")
        tested_now, reused_from = False, None
        if candidate.status == PROPOSED:
            reasons = [str(r) for r in validate(source)]
            if reasons:
                candidate = self.reject(cid, reasons)
                recorded.append("CandidateRejected")
                notify("rejected", {"reasons": candidate.reasons})
                return SubmitOutcome(
                    lineage=lineage,
                    candidate_id=cid,
                    sha256=sha,
                    parent_version=candidate.parent_version,
                    status=REJECTED,
                    rule="validation",
                    reason="rejected by validation: " + "; ".join(candidate.reasons),
                    reasons=list(candidate.reasons),
                    recorded=recorded,
                )
            earlier = self.earlier_test(lineage, sha, state)
            if earlier is not None:
                reused_from, result = str(earlier.id), earlier.result
                notify("reused", {"candidate_id": reused_from})
            else:
                notify("evaluating", {"candidate_id": cid, "sha256": sha})
                result = test(source)
                tested_now = True
            candidate = self.record_test(cid, result, reused_from=reused_from)
            recorded.append("CandidateTested")
            notify("tested", {"metrics": comparable(candidate.result)})
        candidate = self.decide(lineage, cid)
        recorded.append("CandidateAdopted" if candidate.status == ADOPTED else "CandidateDeclined")
        decision = candidate.decision or {}
        bitrate_change = _change(decision.get("candidate_metrics"), decision.get("incumbent_metrics"), "kbps")
        outcome = SubmitOutcome(
            lineage=lineage,
            candidate_id=cid,
            sha256=sha,
            parent_version=candidate.parent_version,
            status=candidate.status,
            version=decision.get("version"),
            incumbent_version=decision.get("against"),
            rule=decision.get("rule"),
            reason=decision.get("reason", ""),
            metrics=decision.get("candidate_metrics"),
            incumbent_metrics=decision.get("incumbent_metrics"),
            improvement=None if bitrate_change is None else 1.0 - bitrate_change,
            tested=tested_now,
            reused_from=reused_from,
            recorded=recorded,
        )
        notify("decided", outcome.to_dict())
        return outcome

    def precheck(self, lineage: str, source: str) -> SubmitOutcome | None:
        """The outcome submit would report without testing (a duplicate), or None when it has work to do."""
        return self._duplicate(self.lineage(lineage), sha256_of(source))

    def rollback(self, lineage: str, version: int, reason: str) -> RollbackOutcome:
        """Make version the best again; when it already is, nothing new is recorded."""
        for _ in range(self.MAX_DECIDE_ATTEMPTS):
            state = self.lineage(lineage)
            record = state.version_record(version)
            if state.head == version:
                return RollbackOutcome(lineage, version, version, record["sha256"], reason, recorded=False)
            before = state.head
            state.roll_back(version, reason)
            try:
                self._save(state)
            except RecordConflictError:
                continue
            return RollbackOutcome(lineage, version, before, record["sha256"], reason.strip(), recorded=True)
        raise Busy(f"lineage {lineage!r}: too many concurrent decisions; try again")

    # ================================================================== queries

    def has_lineage(self, name: str) -> bool:
        return self._find_lineage(name) is not None

    def lineage(self, name: str, *, at_version: int | None = None) -> Lineage:
        """The lineage now, or as it stood right after version at_version was created (from a snapshot)."""
        state = self._find_lineage(name)
        if state is None:
            raise UnknownLineage(f"no lineage {name!r} in this ledger")
        if at_version is None:
            return state
        record = state.version_record(at_version)
        return self.repository.get(state.id, version=record["lineage_version"])

    def candidate(self, candidate_id: str | UUID) -> Candidate:
        try:
            cid = candidate_id if isinstance(candidate_id, UUID) else UUID(str(candidate_id))
        except ValueError:
            raise UnknownCandidate(f"{candidate_id!r} is not a candidate id") from None
        found = self._get(cid)
        if not isinstance(found, Candidate):
            raise UnknownCandidate(f"no candidate {candidate_id}")
        return found

    def source(self, sha256: str) -> str:
        blob = self._get(source_id(sha256))
        if not isinstance(blob, SourceBlob):
            raise LedgerError(f"no source with sha256 {sha256}")
        return blob.text

    def analysis(self, analysis_id: str) -> Analysis | None:
        try:
            found = self._get(UUID(str(analysis_id)))
        except ValueError:
            return None
        return found if isinstance(found, Analysis) else None

    def resolve_version(self, lineage: str, version: str | int) -> int:
        """'best' or a number -> a recorded version number (UnknownVersion otherwise)."""
        state = self.lineage(lineage)
        if isinstance(version, str) and version.strip().lower() in ("best", "head", "current"):
            return state.best["version"]
        try:
            number = int(version)
        except (TypeError, ValueError):
            raise UnknownVersion(f"{version!r} is not a version number or 'best'") from None
        return state.version_record(number)["version"]

    def show(self, lineage: str, version: str | int) -> dict:
        state = self.lineage(lineage)
        number = self.resolve_version(lineage, version)
        record = state.versions[number]
        return {
            "lineage": lineage,
            "version": number,
            "sha256": record["sha256"],
            "source": self.source(record["sha256"]),
            "candidate_id": record["candidate_id"],
            "is_best": state.head == number,
        }

    def why(self, lineage: str, version: str | int) -> dict:
        """The chain behind a version: analysis -> candidate -> metrics against the incumbent -> rule -> decision."""
        state = self.lineage(lineage)
        number = self.resolve_version(lineage, version)
        record = state.versions[number]
        candidate = self.candidate(record["candidate_id"])
        decision = candidate.decision or {}
        analysis = self.analysis(candidate.analysis_id) if candidate.analysis_id else None
        return {
            "lineage": lineage,
            "version": number,
            "candidate_id": record["candidate_id"],
            "candidate_sha256": record["sha256"],
            "planner": candidate.planner,
            "model": candidate.model,
            "rationale": candidate.rationale,
            "parent_version": candidate.parent_version,
            "analysis": None
            if analysis is None
            else {
                "id": str(analysis.id),
                "planner": analysis.planner,
                "model": analysis.model,
                "text": analysis.text,
                "tokens_in": analysis.tokens_in,
                "tokens_out": analysis.tokens_out,
                "cost_usd": analysis.cost_usd,
            },
            "candidate_metrics": decision.get("candidate_metrics"),
            "incumbent_version": decision.get("against"),
            "incumbent_metrics": decision.get("incumbent_metrics"),
            "rule": decision.get("rule"),
            "reason": decision.get("reason"),
            "policy": decision.get("policy"),
            "adopted_at": candidate.modified_on.isoformat(),
            "reused_test_from": candidate.reused_from,
            "is_best": state.head == number,
        }

    def stored_events(
        self, *, types: list[str] | None = None, start: int = 1, stop: int | None = None, page: int = 500
    ) -> Iterator[dict]:
        """The raw log in order: {"position", "type", "timestamp", "originator_id", "originator_version", ...}."""
        topics: list[str] = []
        for name in types or []:
            match = [cls for key, cls in EVENT_TYPES.items() if key.lower() == name.lower()]
            if not match:
                known = ", ".join(sorted(EVENT_TYPES))
                raise LedgerError(f"unknown event type {name!r} (known: {known})")
            topics.append(get_topic(match[0]))
        position = start
        while True:
            batch = self.recorder.select_notifications(start=position, limit=page, stop=stop, topics=topics)
            if not batch:
                return
            for notification in batch:
                event = self.mapper.to_domain_event(notification)
                yield event_dict(notification.id, event)
            position = batch[-1].id + 1

    def max_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    # ================================================================== helpers

    def _duplicate(self, state: Lineage, sha: str) -> SubmitOutcome | None:
        best = state.best
        if sha == best["sha256"]:
            adopted = self.candidate(best["candidate_id"]).decision or {}
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
        existing = self._get(make_candidate_id(state.name, sha, state.head))
        if existing is None or not existing.decided:
            return None  # new, or recorded but not finished: submit (re)does the work
        earlier = {"status": existing.status, **(existing.decision or {})}
        if existing.status == REJECTED:
            earlier.update(rule="validation", reason="rejected by validation: " + "; ".join(existing.reasons))
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
            metrics=comparable(existing.result),
            incumbent_metrics=earlier.get("incumbent_metrics"),
            duplicate_of=_brief(earlier),
        )

    def _same_suite(self, lineage: Lineage, suite: dict) -> Lineage:
        want, have = suite.get("hash"), lineage.suite.get("hash")
        if want != have:
            raise SuiteMismatch(
                f"lineage {lineage.name!r} was started on suite {lineage.suite.get('name')!r} "
                f"(hash {str(have)[:12]}), not {suite.get('name')!r} (hash {str(want)[:12]}); "
                "use --lineage NAME to start another lineage"
            )
        return lineage

    def _find_lineage(self, name: str) -> Lineage | None:
        found = self._get(lineage_id(name))
        return found if isinstance(found, Lineage) else None

    def _get(self, aggregate_id: UUID) -> Any:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(list(self.events.get(aggregate_id, limit=1)))

    def _save_or_reload(self, aggregate: Aggregate) -> None:
        try:
            self._save(aggregate)
        except RecordConflictError:
            pass  # recorded concurrently by someone else; callers read it back

    def _save(self, *aggregates: Aggregate) -> None:
        """Save, retrying while a SQLite file is locked by another writer; then a one-line StoreError."""
        pending = [list(a._pending_events) for a in aggregates]
        for attempt in range(1, self.lock_retries + 1):
            try:
                self.save(*aggregates)
                return
            except OperationalError as exc:
                text = str(exc).lower()
                if "locked" not in text and "busy" not in text and "lock timeout" not in text:
                    raise StoreError(f"the ledger store failed: {str(exc).strip().splitlines()[0]}") from None
                if attempt == self.lock_retries:
                    raise StoreError(f"the ledger is locked by another process (gave up after {attempt} tries)") from None
                # save() took the pending events before it failed: put them back, wait, try again.
                for agg, events in zip(aggregates, pending):
                    agg._pending_events[:] = events
                time.sleep(0.2 * attempt)


def _brief(decision: dict) -> dict:
    """A decision without its metric sets, for reporting a duplicate."""
    return {k: v for k, v in decision.items() if k not in ("candidate_metrics", "incumbent_metrics", "policy")}


def _change(test: dict | None, incumbent: dict | None, key: str) -> float | None:
    """candidate / incumbent for one summary figure, where both exist."""
    a = ((test or {}).get("summary") or {}).get(key)
    b = ((incumbent or {}).get("summary") or {}).get(key)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
        return a / b
    return None


def event_dict(position: int, event: Any) -> dict:
    """A stored event as JSON-safe data, for `events` and exporters."""
    attrs = {k: v for k, v in vars(event).items() if k not in ("originator_id", "originator_version", "timestamp")}
    return {
        "position": position,
        "type": type(event).__name__,
        "timestamp": event.timestamp.isoformat(),
        "originator_id": str(event.originator_id),
        "originator_version": event.originator_version,
        **json_safe({k: (str(v) if isinstance(v, UUID) else v) for k, v in attrs.items()}, "event"),
    }
