"""A lineage: one line of codec versions on one suite under one policy.

It holds what deciding needs and nothing per candidate: the suite, the policy, every version
(its candidate, source sha256 and the metrics it was adopted on) and which version is best.
Creating a version is an event of this one aggregate, recorded in the same transaction as
the candidate's adoption, so two deciders working from the same lineage version cannot both
create version N: the store refuses the second (optimistic concurrency), and the loser
reloads the lineage and decides again against the new best.

Event bodies keep the values they are given: commands hand them fresh JSON-safe copies, and
nothing mutates state in place, so an aggregate and its pending events share nothing a
caller could change.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.ids import lineage_id
from domain.jsonsafe import json_safe
from domain.policy import Decision, Policy, decide
from domain.records import (
    AdoptionTestResult,
    ComparableMetrics,
    LineagePolicyRecord,
    RemeasuredIncumbent,
    StallRecord,
    VersionRecord,
)


class LineageError(Exception):
    """A change the lineage refuses: an unknown version, a version out of sequence."""


class UnknownVersion(LineageError):
    pass


class Lineage(Aggregate):
    @staticmethod
    def create_id(name: str) -> UUID:
        return lineage_id(name)

    @classmethod
    def start(cls, name: str, suite: dict, policy: Policy) -> Lineage:
        if not name or "/" in name or name != name.strip():
            raise LineageError(f"invalid lineage name {name!r}")
        return cls(name=name, suite=json_safe(suite, "suite"), policy=policy.to_dict())

    @event("LineageStarted")
    def __init__(self, name: str, suite: dict, policy: LineagePolicyRecord):
        self.name = name
        self.suite = suite
        self.policy = policy
        self.versions: list[VersionRecord] = []  # index == version number
        self.head: int | None = None  # the current best version

    # ------------------------------------------------------------------ queries

    @property
    def policy_object(self) -> Policy:
        return Policy.from_dict(self.policy)

    @property
    def next_version(self) -> int:
        return len(self.versions)

    def version_record(self, version: int) -> VersionRecord:
        if isinstance(version, bool) or not isinstance(version, int) or not 0 <= version < len(self.versions):
            known = f"0..{len(self.versions) - 1}" if self.versions else "none yet"
            raise UnknownVersion(f"lineage {self.name!r} has no version {version} (versions: {known})")
        return self.versions[version]

    @property
    def best(self) -> VersionRecord:
        if self.head is None:
            raise UnknownVersion(f"lineage {self.name!r} has no version yet")
        return self.versions[self.head]

    def judge(self, candidate_test: AdoptionTestResult, remeasured: RemeasuredIncumbent | None = None) -> Decision:
        """The policy's decision on a test result against the current best (nothing recorded): against the best
        measured again on the candidate's material where `remeasured` is of the current best."""
        best = self.best
        metrics, same = self.incumbent_metrics(remeasured)
        return decide(candidate_test, metrics, self.policy_object, incumbent_version=best["version"],
                      same_material=same)

    def incumbent_metrics(self, remeasured: RemeasuredIncumbent | None) -> tuple[ComparableMetrics, bool]:
        """What a decision compares with: the best remeasured on the candidate's material where that was this
        very best (True), else the best's own recorded test (False)."""
        best = self.best
        if remeasured and remeasured["version"] == best["version"] and remeasured["sha256"] == best["sha256"]:
            return remeasured["metrics"], True
        return best["metrics"], False

    # ------------------------------------------------------------------ commands

    def create_version(self, version: int, candidate_id: str, sha256: str, metrics: ComparableMetrics) -> None:
        """Version `version` is this candidate's code; it becomes the best."""
        if version != len(self.versions):
            raise LineageError(f"lineage {self.name!r}: the next version is {len(self.versions)}, not {version}")
        self._version_created(version=version, candidate_id=str(candidate_id), sha256=sha256,
                              metrics=json_safe(metrics, "metrics"))

    @event("VersionCreated")
    def _version_created(self, version: int, candidate_id: str, sha256: str, metrics: ComparableMetrics) -> None:
        self.versions.append(
            VersionRecord(
                version=version,
                candidate_id=candidate_id,
                sha256=sha256,
                metrics=metrics,
                lineage_version=self.version + 1,  # this event's position in the lineage
            )
        )
        self.head = version

    def roll_back(self, to_version: int, reason: str) -> None:
        """Make an earlier (or any recorded) version the best again; later versions stay in the history."""
        self.version_record(to_version)
        if to_version == self.head:
            raise LineageError(f"version {to_version} is already the best")
        if not reason or not reason.strip():
            raise LineageError("a rollback needs a reason")
        self._rolled_back(to_version=to_version, from_version=self.head, reason=reason.strip())

    @event("RolledBack")
    def _rolled_back(self, to_version: int, from_version: int | None, reason: str) -> None:
        self.head = to_version

    # The keys of the stalls recorded so far (lineages started before stall alarms have none).
    stall_keys: tuple[str, ...] = ()

    def record_stall(self, stall: StallRecord) -> bool:
        """Record a stall alarm, once per key; whether this call recorded it."""
        if stall["key"] in self.stall_keys:
            return False
        self._stall_detected(stall=json_safe(stall, "stall"))
        return True

    @event("StallDetected")
    def _stall_detected(self, stall: StallRecord) -> None:
        self.stall_keys = (*self.stall_keys, stall["key"])
