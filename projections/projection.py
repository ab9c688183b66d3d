"""The projection: how each recorded event changes the read models, and keeping them up to date.

It follows the topics it needs and no others: a candidate's test metrics reach the history
through the decision event (which records them, against the incumbent's), and source text is
read from the ledger when a query wants it, so the large CandidateTested and SourceStored
events are never decoded here.

`LedgerProjection` is an eventsourcing Projection: `process_event(event, tracking)` applies
one domain event and records it with its tracking in one transaction, so it can also be
driven by the library's ProjectionRunner (PostgreSQL). `catch_up` is what the command line
uses: it reads the application's notification log after the view's tracking position and
applies it in batches, each batch one transaction with the tracking of its last event. Its
events are read as plain JSON facts (the store's own JSON, decoded without building event
objects) when the application stores plain JSON, which keeps a rebuild of a long log quick;
otherwise through the application's mapper. `rebuild` empties the view and catches up from
nothing. `build_as_of` builds a private in-memory view from the events up to a position: a
replay straight from the log, used to audit the as-of queries.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, NamedTuple

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Notification, Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from domain.candidate import REJECTED
from domain.outcome import MEASURED, outcome, round_tripped
from ledger.event_log import topics_of
from projections.view import COLUMNS, Changes, LedgerView, dumps, memory_view

BATCH = 5000
_decode = json.JSONDecoder().decode  # the store's JSON, without the transcoder's per-object hook
_memory_names = itertools.count()
_ENVELOPE = ("originator_id", "originator_version", "timestamp")


class Fact(NamedTuple):
    """What a rule reads from one event: its aggregate, its time (ISO 8601) and its attributes."""

    originator_id: str
    at: str
    data: dict

    @classmethod
    def from_event(cls, event: Any) -> Fact:
        data = {k: v for k, v in vars(event).items() if k not in _ENVELOPE}
        return cls(str(event.originator_id), event.timestamp.isoformat(), data)

    @classmethod
    def from_notification(cls, notification: Notification) -> Fact | None:
        """The fact straight from the stored JSON; None where that JSON needs the mapper (upcasting)."""
        state = notification.state
        data = _decode(state.decode("utf-8") if isinstance(state, (bytes, bytearray, memoryview)) else state)
        stamp = data.pop("timestamp", None)
        if "class_version" in data or not isinstance(stamp, dict) or stamp.get("_type_") != "datetime_iso":
            return None
        return cls(str(notification.originator_id), stamp["_data_"], data)


class LedgerProjection(Projection[LedgerView]):
    name = "ledger_view"
    RULES = {  # event type -> the method that applies it
        "LineageStarted": "_lineage_started",
        "RolledBack": "_rolled_back",
        "CandidateProposed": "_candidate_proposed",
        "CandidateRejected": "_candidate_rejected",
        "CandidateAdopted": "_candidate_adopted",
        "CandidateDeclined": "_candidate_declined",
        "AnalysisRecorded": "_analysis_recorded",
        "CandidateRescored": "_candidate_rescored",
        "StallDetected": "_stall_detected",
    }
    topics = tuple(topics_of(list(RULES)))

    def __init__(self, view: LedgerView):
        super().__init__(view)
        self._changes: Changes = {}
        self._lineage_names: dict[str, str] = {}  # lineage aggregate id -> name
        self._rules = {topic: getattr(self, name) for topic, name in zip(self.topics, self.RULES.values(), strict=True)}

    # ------------------------------------------------------------------ driving

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """One domain event, applied and tracked in one transaction."""
        self.apply(get_topic(type(domain_event)), Fact.from_event(domain_event), tracking.notification_id)
        self.flush(tracking)

    def apply(self, topic: str, fact: Fact, position: int) -> None:
        """Apply one event to the buffered rows (events of other topics are ignored); flush() writes them."""
        rule = self._rules.get(topic)
        if rule is not None:
            rule(fact, position)

    def flush(self, tracking: Tracking | None) -> None:
        changes, self._changes = self._changes, {}
        self.view.write(changes, tracking)

    def discard(self) -> None:
        self._changes = {}

    # ------------------------------------------------------------------ the read models' rules

    def _lineage_started(self, fact: Fact, position: int) -> None:
        d = fact.data
        self._lineage_names[fact.originator_id] = d["name"]
        self._put(
            "cl_lineages",
            (d["name"],),
            lineage=d["name"],
            lineage_id=fact.originator_id,
            position=position,
            started_at=fact.at,
            suite=dumps(d["suite"]),
            policy=dumps(d["policy"]),
        )

    def _analysis_recorded(self, fact: Fact, position: int) -> None:
        d = fact.data
        self._put(
            "cl_analyses",
            (fact.originator_id,),
            analysis_id=fact.originator_id,
            lineage=d["lineage"],
            position=position,
            recorded_at=fact.at,
            planner=d["planner"],
            model=d.get("model"),
            tokens_in=d["tokens_in"],
            tokens_out=d["tokens_out"],
            cost_usd=d["cost_usd"],
        )

    def _candidate_proposed(self, fact: Fact, position: int) -> None:
        d = fact.data
        self._put(
            "cl_candidates",
            (fact.originator_id,),
            candidate_id=fact.originator_id,
            lineage=d["lineage"],
            position=position,
            proposed_at=fact.at,
            planner=d["planner"],
            model=d.get("model"),
            analysis_id=d.get("analysis_id"),
            sha256=d["sha256"],
            parent_version=d["parent_version"],
            rationale=d.get("rationale"),
        )

    def _candidate_rejected(self, fact: Fact, position: int) -> None:
        self._update(
            "cl_candidates",
            (fact.originator_id,),
            decided_position=position,
            decided_at=fact.at,
            decision=REJECTED,
            outcome=REJECTED,
            verdict=REJECTED,
            rule="validation",
            reason="rejected by validation: " + "; ".join(fact.data["reasons"]),
        )

    def _candidate_adopted(self, fact: Fact, position: int) -> None:
        d = fact.data
        candidate = self._get("cl_candidates", (fact.originator_id,))
        if candidate is None:
            raise LookupError(f"candidate {fact.originator_id} was adopted before it was proposed")
        lineage, sha256 = candidate["lineage"], candidate["sha256"]
        self._put(
            "cl_versions",
            (lineage, d["version"]),
            lineage=lineage,
            version=d["version"],
            position=position,
            adopted_at=fact.at,
            candidate_id=fact.originator_id,
            sha256=sha256,
            incumbent_version=d["incumbent_version"],
            rule=d["rule"],
            reason=d["reason"],
            metrics=dumps(d["candidate_metrics"]),
            incumbent_metrics=dumps(d["incumbent_metrics"]),
            policy=dumps(d["policy"]),
        )
        self._put(
            "cl_best",
            (lineage, position),
            lineage=lineage,
            position=position,
            at=fact.at,
            version=d["version"],
            sha256=sha256,
            cause="adopted",
            reason=d["reason"],
        )
        self._decided(fact, position, "adopted", d["version"])

    def _candidate_declined(self, fact: Fact, position: int) -> None:
        self._decided(fact, position, "declined", None)

    def _candidate_rescored(self, fact: Fact, position: int) -> None:
        d = fact.data
        candidate = self._get("cl_candidates", (fact.originator_id,))
        if candidate is None:
            raise LookupError(f"candidate {fact.originator_id} was rescored before it was proposed")
        result, reproduced = d["result"], d["reproduction"].get("reproduced")
        verdict = (result.get("verdict") or {}).get("category")
        ran = round_tripped(verdict, (result.get("summary") or {}).get("success"))
        summary = (result.get("summary") if ran else None) or {}
        self._put(
            "cl_rescores",
            (fact.originator_id, position),
            candidate_id=fact.originator_id,
            lineage=candidate["lineage"],
            position=position,
            at=fact.at,
            evaluator=(result.get("provenance") or {}).get("evaluator"),
            reproduced=None if reproduced is None else int(bool(reproduced)),
            verdict=verdict,
            quality=result.get("quality") if ran else None,
            kbps=summary.get("kbps"),
            psnr_y=summary.get("psnr_y"),
        )

    def _rolled_back(self, fact: Fact, position: int) -> None:
        d = fact.data
        lineage = self._lineage_name(fact.originator_id)
        version = self._get("cl_versions", (lineage, d["to_version"]))
        self._put(
            "cl_best",
            (lineage, position),
            lineage=lineage,
            position=position,
            at=fact.at,
            version=d["to_version"],
            sha256=None if version is None else version["sha256"],
            cause="rolled_back",
            reason=d["reason"],
        )

    def _stall_detected(self, fact: Fact, position: int) -> None:
        stall = fact.data["stall"]
        lineage = self._lineage_name(fact.originator_id)
        self._put(
            "cl_stalls",
            (lineage, position),
            lineage=lineage,
            position=position,
            at=fact.at,
            kind=stall["kind"],
            message=stall["message"],
            since_position=stall["since_position"],
            candidates=dumps(stall["candidates"]),
        )

    def _decided(self, fact: Fact, position: int, decision: str, version: int | None) -> None:
        """The decision with the test's figures; none for a run that did not round-trip (its partial
        figures stay in the events, for diagnosis)."""
        d = fact.data
        metrics = d.get("candidate_metrics") or {}
        verdict = metrics.get("verdict") or {}
        success = (metrics.get("summary") or {}).get("success")
        became = outcome(decision, verdict.get("category"), None if success is None else bool(success))
        measured = became in MEASURED
        summary = (metrics.get("summary") if measured else None) or {}
        self._update(
            "cl_candidates",
            (fact.originator_id,),
            verdict=verdict.get("category"),
            verdict_message=verdict.get("message"),
            quality=metrics.get("quality") if measured else None,
            kbps=summary.get("kbps"),
            mbps_30fps=summary.get("mbps_30fps"),
            ratio=summary.get("ratio"),
            bpp=summary.get("bpp"),
            bytes=summary.get("bytes"),
            psnr_y=summary.get("psnr_y"),
            psnr_bgr=summary.get("psnr_bgr"),
            ssim_y=summary.get("ssim_y"),
            encode_fps=summary.get("encode_fps"),
            decode_fps=summary.get("decode_fps"),
            success=None if success is None else int(bool(success)),
            decided_position=position,
            decided_at=fact.at,
            decision=decision,
            outcome=became,
            version=version,
            tested_against=d["incumbent_version"],
            rule=d["rule"],
            reason=d["reason"],
        )

    # ------------------------------------------------------------------ row buffer

    def _put(self, table: str, key: tuple, **values: Any) -> None:
        row = dict.fromkeys(COLUMNS[table])
        row.update(values)
        self._changes.setdefault(table, {})[key] = row

    def _get(self, table: str, key: tuple) -> dict | None:
        rows = self._changes.setdefault(table, {})
        if key not in rows:
            found = self.view.row(table, key)
            if found is None:
                return None
            rows[key] = found
        return rows[key]

    def _update(self, table: str, key: tuple, **values: Any) -> None:
        row = self._get(table, key)
        if row is None:
            raise LookupError(f"{table}: no row {key} to update (events out of order?)")
        row.update(values)

    def _lineage_name(self, lineage_id: str) -> str:
        if lineage_id not in self._lineage_names:
            rows = self.view.fetch("SELECT lineage FROM {p}cl_lineages WHERE lineage_id = ?", (lineage_id,))
            if not rows:
                raise LookupError(f"lineage {lineage_id} was not started")
            self._lineage_names[lineage_id] = rows[0]["lineage"]
        return self._lineage_names[lineage_id]


def _plain_json(app: Application) -> bool:
    """Whether the stored state is the library's plain JSON (no cipher, no compression)."""
    mapper = app.mapper
    return type(mapper.transcoder) is JSONTranscoder and not mapper.cipher and not mapper.compressor


def catch_up(
    app: Application, view: LedgerView, *, upto: int | None = None, batch: int = BATCH, use_mapper: bool = False
) -> int:
    """Apply every event after the view's tracking position (up to `upto`); returns the new position.

    Safe to run from several processes at once: a batch another process already applied
    fails on its tracking record, is rolled back, and this one carries on from where the
    view now stands.
    """
    projection = LedgerProjection(view)
    plain = _plain_json(app) and not use_mapper
    position = view.max_tracking_id(app.name) or 0
    while upto is None or position < upto:
        notifications = app.recorder.select_notifications(
            start=position + 1, limit=batch, stop=upto, topics=LedgerProjection.topics
        )
        if not notifications:
            break
        for n in notifications:
            fact = Fact.from_notification(n) if plain else None
            if fact is None:
                fact = Fact.from_event(app.mapper.to_domain_event(n))
            projection.apply(n.topic, fact, n.id)
        try:
            projection.flush(Tracking(app.name, notifications[-1].id))
        except IntegrityError:
            projection.discard()
            position = view.max_tracking_id(app.name) or 0
            continue
        position = notifications[-1].id
    return position


def rebuild(app: Application, view: LedgerView, *, batch: int = BATCH) -> int:
    """Empty the view and apply the whole log again: the same rows as kept incrementally."""
    view.reset(app.name)
    return catch_up(app, view, batch=batch)


def build_as_of(app: Application, position: int | None = None) -> LedgerView:
    """A fresh in-memory view built from the events up to `position` only (all when None)."""
    view = memory_view(f"codec_ledger_view_{next(_memory_names)}_{id(app)}")
    catch_up(app, view, upto=position)
    return view
