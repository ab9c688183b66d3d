"""What the ledger answers: lineages (now or at any version), candidates, sources, analyses, the raw log.

LedgerQueries is the read half of the CodecLedger application (ledger/application.py adds the
commands). Every answer is rebuilt from the stored events; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypedDict
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application

from domain.analysis import Analysis
from domain.candidate import Candidate
from domain.ids import candidate_id, lineage_id, source_id
from domain.lineage import Lineage, UnknownVersion
from domain.records import ComparableMetrics, DecisionRecord, PolicyRecord
from domain.source import SourceBlob
from ledger.errors import LedgerError, UnknownCandidate, UnknownLineage
from ledger.event_log import last_position, read_events


class VersionSource(TypedDict):
    """`show`: a version's exact source."""

    lineage: str
    version: int
    sha256: str
    source: str
    candidate_id: str
    is_best: bool


class AnalysisBrief(TypedDict):
    """The analysis a candidate was proposed from: what the planner thought and what it cost."""

    id: str
    planner: str
    model: str | None
    text: str
    tokens_in: int
    tokens_out: int
    cost_usd: float
    shown: dict  # what the planner showed and chose: parent, inspirations, edits, model arm (empty for older ones)


def analysis_brief(analysis: Analysis) -> AnalysisBrief:
    details = analysis.details or {}
    return AnalysisBrief(id=str(analysis.id), planner=analysis.planner, model=analysis.model, text=analysis.text,
                         tokens_in=analysis.tokens_in, tokens_out=analysis.tokens_out, cost_usd=analysis.cost_usd,
                         shown={key: details[key] for key in ("parent", "inspirations", "mode", "edits", "arm")
                                if key in details})


class Explanation(TypedDict):
    """What `why` tells of any candidate: from the planner's analysis to the rule that decided it."""

    lineage: str
    candidate_id: str
    candidate_sha256: str
    planner: str
    model: str | None
    rationale: str
    parent_version: int | None
    analysis: AnalysisBrief | None
    candidate_metrics: ComparableMetrics | None
    incumbent_version: int | None
    incumbent_metrics: ComparableMetrics | None
    rule: str | None
    reason: str | None
    policy: PolicyRecord | None


class VersionExplanation(Explanation):
    """`why` of a version: the chain behind it, and when it was adopted."""

    version: int
    adopted_at: str
    reused_test_from: str | None
    is_best: bool


class LedgerQueries(Application[UUID]):
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

    def find_candidate(self, lineage: str, sha256: str, parent_version: int | None) -> Candidate | None:
        """The candidate recorded for this source against this parent version, if there is one."""
        return self._get(candidate_id(lineage, sha256, parent_version))

    def earlier_test(self, lineage: str, sha256: str, state: Lineage | None = None) -> Candidate | None:
        """A candidate of this lineage with this source that was already tested (under any parent version)."""
        state = state or self.lineage(lineage)
        for parent in [None, *range(len(state.versions))]:
            found = self.find_candidate(lineage, sha256, parent)
            if found is not None and found.result is not None:
                return found
        return None

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

    def show(self, lineage: str, version: str | int) -> VersionSource:
        state = self.lineage(lineage)
        number = self.resolve_version(lineage, version)
        record = state.versions[number]
        return VersionSource(
            lineage=lineage,
            version=number,
            sha256=record["sha256"],
            source=self.source(record["sha256"]),
            candidate_id=record["candidate_id"],
            is_best=state.head == number,
        )

    def why(self, lineage: str, version: str | int) -> VersionExplanation:
        """The chain behind a version: analysis -> candidate -> metrics against the incumbent -> rule -> decision."""
        state = self.lineage(lineage)
        number = self.resolve_version(lineage, version)
        record = state.versions[number]
        candidate = self.candidate(record["candidate_id"])
        decision: DecisionRecord | dict[str, Any] = candidate.decision or {}
        analysis = self.analysis(candidate.analysis_id) if candidate.analysis_id else None
        return VersionExplanation(
            lineage=lineage,
            version=number,
            candidate_id=record["candidate_id"],
            candidate_sha256=record["sha256"],
            planner=candidate.planner,
            model=candidate.model,
            rationale=candidate.rationale,
            parent_version=candidate.parent_version,
            analysis=None if analysis is None else analysis_brief(analysis),
            candidate_metrics=decision.get("candidate_metrics"),
            incumbent_version=decision.get("against"),
            incumbent_metrics=decision.get("incumbent_metrics"),
            rule=decision.get("rule"),
            reason=decision.get("reason"),
            policy=decision.get("policy"),
            adopted_at=candidate.modified_on.isoformat(),
            reused_test_from=candidate.reused_from,
            is_best=state.head == number,
        )

    def stored_events(
        self, *, types: list[str] | None = None, start: int = 1, stop: int | None = None, page: int = 500
    ) -> Iterator[dict]:
        """The raw log in order: {"position", "type", "timestamp", "originator_id", "originator_version", ...}."""
        return read_events(self.recorder, self.mapper, types=types, start=start, stop=stop, page=page)

    def max_position(self) -> int:
        return last_position(self.recorder)

    # ------------------------------------------------------------------ lookups

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
