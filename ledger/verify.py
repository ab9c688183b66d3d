"""Checking a ledger against tampering: the chain of every aggregate, its sources, its snapshots, its references.

Reads the stored rows themselves (not the read models), in log order:
- each aggregate's versions run 1, 2, 3, ... (a deleted or reordered event shows as a gap); on SQLite the log's
  positions run 1, 2, 3, ... too (its row ids have no gaps but deleted rows), so any deleted event but the newest shows;
- each chained event's link equals the link recomputed over its content and the previous event's link
  (an edited row, or two rows swapped, shows here); once the log has a chained event, a later unchained
  one is a link cut off. Events stored before the chain existed carry none: they are counted, not judged;
- every stored source's text has the sha256 it is recorded under, and every candidate and version names a
  stored source; every version a lineage created was adopted by the candidate it names, and the other way;
- every snapshot equals its aggregate rebuilt from the events.
Not found: on PostgreSQL (whose positions have gaps from rolled-back writes) the newest events of an aggregate
deleted with nothing referring to them; events of different aggregates exchanging positions; the whole ledger
rewritten with links recomputed; the digest (over every aggregate's last link) is what to
keep elsewhere, to compare later.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, TypedDict
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import get_topic

from domain.candidate import Candidate
from domain.ids import sha256_of, source_id
from domain.lineage import Lineage
from domain.source import SourceBlob
from ledger.application import CodecLedger
from ledger.chain import GENESIS, link_of, split

PAGE = 1000
MAX_FINDINGS = 50


class Finding(TypedDict):
    """One thing that does not match: which check, where (the event's log position, when it is an event's), what."""

    check: str  # "chain" | "source" | "reference" | "snapshot"
    position: int | None
    type: str | None
    originator_id: str | None
    originator_version: int | None
    problem: str


class VerifyReport(TypedDict):
    ok: bool
    events: int
    chained: int
    unchained: int  # stored before the chain existed: not verifiable
    chain_starts_at: int | None  # the log position of the first chained event
    aggregates: int
    sources: int
    snapshots: int
    digest: str  # sha256 over every aggregate's last link: keep it elsewhere to compare later
    first: Finding | None
    findings: list[Finding]


TOPIC_NAMES = {get_topic(cls): cls.__name__ for agg in (Lineage, Candidate, SourceBlob) for cls in vars(agg).values()
               if isinstance(cls, type) and issubclass(cls, Aggregate.Event)}
SOURCE_STORED = get_topic(SourceBlob.SourceStored)  # type: ignore[attr-defined]
CANDIDATE_PROPOSED = get_topic(Candidate.CandidateProposed)  # type: ignore[attr-defined]
CANDIDATE_ADOPTED = get_topic(Candidate.CandidateAdopted)  # type: ignore[attr-defined]
VERSION_CREATED = get_topic(Lineage.VersionCreated)  # type: ignore[attr-defined]
LINEAGE_STARTED = get_topic(Lineage.LineageStarted)  # type: ignore[attr-defined]


class _Walk:
    """The state of one pass over the log."""

    def __init__(self, gapless: bool) -> None:
        self.gapless = gapless  # whether every position from 1 on must be there
        self.last_position = 0
        self.heads: dict[str, tuple[int, str]] = {}  # aggregate id -> (last version, its link)
        self.findings: list[Finding] = []
        self.events = self.chained = self.unchained = 0
        self.chain_starts_at: int | None = None
        self.sources: dict[str, str] = {}  # sha256 -> the source's aggregate id
        self.named_sources: list[tuple[int, str, str]] = []  # (position, what, sha256) that must be stored
        self.adopted: dict[tuple[str, int], int] = {}  # (candidate id, version) -> position
        self.created: dict[tuple[str, int], int] = {}  # (candidate id, version) -> position, from VersionCreated
        self.lineages: list[UUID] = []

    def find(self, check: str, problem: str, position: int | None = None, topic: str | None = None,
             oid: Any = None, version: int | None = None) -> None:
        name = None if topic is None else TOPIC_NAMES.get(topic, topic)
        self.findings.append(Finding(check=check, position=position, type=name,
                                     originator_id=None if oid is None else str(oid), originator_version=version,
                                     problem=problem))

    def event(self, position: int, oid: UUID, version: int, topic: str, state: bytes) -> None:
        self.events += 1
        if self.gapless and position != self.last_position + 1:
            self.find("chain", f"log positions {self.last_position + 1}..{position - 1} are missing (events deleted)",
                      position, topic, oid, version)
        self.last_position = position
        key = str(oid)
        last_version, prev = self.heads.get(key, (0, GENESIS))
        if version != last_version + 1:
            missing = "is missing" if version > last_version + 1 else "comes out of order"
            self.find("chain", f"version {last_version + 1} of this aggregate {missing} (found version {version} next)",
                      position, topic, oid, version)
        payload, link = split(state)
        if link is None:
            self.unchained += 1
            if self.chain_starts_at is not None:
                self.find("chain", "the event carries no chain link, though the log is chained from position "
                          f"{self.chain_starts_at}", position, topic, oid, version)
            self.heads[key] = (version, link_of(GENESIS, oid, version, topic, payload))
        else:
            self.chained += 1
            if self.chain_starts_at is None:
                self.chain_starts_at = position
            if link_of(prev, oid, version, topic, payload) != link:
                self.find("chain", "the event's content or its place in the chain was changed "
                          "(its link does not match)", position, topic, oid, version)
            self.heads[key] = (version, link)
        self.content(position, oid, version, topic, payload)

    def content(self, position: int, oid: UUID, version: int, topic: str, payload: bytes) -> None:
        """What the references check needs from the events that name a source, a version or an adoption."""
        if topic not in (SOURCE_STORED, CANDIDATE_PROPOSED, CANDIDATE_ADOPTED, VERSION_CREATED, LINEAGE_STARTED):
            return
        try:
            data = json.loads(payload)
        except ValueError:
            self.find("chain", "the event's stored content is not JSON", position, topic, oid, version)
            return
        if topic == SOURCE_STORED:
            sha, text = data.get("sha256"), data.get("text")
            if not isinstance(text, str) or sha256_of(text) != sha or source_id(str(sha)) != UUID(str(oid)):
                self.find("source", "the stored source's text does not have the sha256 it is recorded under",
                          position, topic, oid, version)
            self.sources[str(sha)] = str(oid)
        elif topic == CANDIDATE_PROPOSED:
            self.named_sources.append((position, f"candidate {oid}", str(data.get("sha256"))))
        elif topic == CANDIDATE_ADOPTED:
            self.adopted[(str(oid), data.get("version"))] = position
        elif topic == VERSION_CREATED:
            self.created[(str(data.get("candidate_id")), data.get("version"))] = position
            self.named_sources.append((position, f"version {data.get('version')}", str(data.get("sha256"))))
        elif topic == LINEAGE_STARTED:
            self.lineages.append(UUID(str(oid)))

    def references(self) -> None:
        for position, what, sha in self.named_sources:
            if sha not in self.sources:
                self.find("reference", f"{what} names source {sha[:12]}, which is not stored", position)
        for (cid, version), position in self.adopted.items():
            if (cid, version) not in self.created:
                self.find("reference", f"candidate {cid} was adopted as version {version}, "
                          "but no lineage created that version", position)
        for (cid, version), position in self.created.items():
            if (cid, version) not in self.adopted:
                self.find("reference", f"version {version} names candidate {cid}, "
                          "which has no adoption as that version", position)


def check_ledger(app: CodecLedger) -> VerifyReport:
    """Every check above, over the whole ledger; ok when nothing was found."""
    walk = _Walk(gapless=isinstance(app.recorder, SQLiteApplicationRecorder))
    position = 1
    while True:
        batch = app.recorder.select_notifications(start=position, limit=PAGE)
        if not batch:
            break
        for n in batch:
            walk.event(n.id, UUID(str(n.originator_id)), n.originator_version, n.topic, bytes(n.state))
        position = batch[-1].id + 1
    walk.references()
    snapshots = _check_snapshots(app, walk)
    # The events themselves first, in log order: the first of them is the first event that does not match;
    # what other events say about them (sources, references, snapshots) follows.
    order = {"chain": 0, "source": 1, "reference": 2, "snapshot": 3}
    findings = sorted(walk.findings, key=lambda f: (order[f["check"]], f["position"] or 0))
    digest = hashlib.sha256("".join(f"{oid}:{v}:{link}\n" for oid, (v, link) in sorted(walk.heads.items()))
                            .encode()).hexdigest()
    return VerifyReport(ok=not findings, events=walk.events, chained=walk.chained, unchained=walk.unchained,
                        chain_starts_at=walk.chain_starts_at, aggregates=len(walk.heads), sources=len(walk.sources),
                        snapshots=snapshots, digest=digest, first=findings[0] if findings else None,
                        findings=findings[:MAX_FINDINGS])


def _check_snapshots(app: CodecLedger, walk: _Walk) -> int:
    """Each lineage's snapshots against the lineage rebuilt from its events; returns how many were checked."""
    if app.snapshots is None:
        return 0
    checked = 0
    for oid in walk.lineages:
        for snapshot in app.snapshots.get(oid):
            checked += 1
            version = snapshot.originator_version
            try:
                from_snapshot = dict(vars(snapshot.mutate(None)))  # type: ignore[attr-defined]
            except Exception as exc:  # a snapshot edited into nonsense
                walk.find("snapshot", f"the snapshot at version {version} cannot be read: {exc}",
                          None, None, oid, version)
                continue
            rebuilt: Any = None
            try:
                for event in app.events.get(oid, lte=version):
                    rebuilt = event.mutate(rebuilt)  # type: ignore[attr-defined]
            except Exception:  # an event edited into nonsense: already named by the chain
                continue
            if rebuilt is None or _state(vars(rebuilt)) != _state(from_snapshot):
                walk.find("snapshot", f"the snapshot at version {version} differs from the lineage rebuilt "
                          "from its events", None, None, oid, version)
    return checked


def _state(attributes: dict) -> dict:
    return {k: v for k, v in attributes.items() if k != "_pending_events"}
