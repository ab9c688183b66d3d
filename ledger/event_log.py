"""Reading the raw event log: every stored event, in order, as JSON-safe data, optionally of some types only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import ApplicationRecorder, Mapper
from eventsourcing.utils import get_topic

from domain.analysis import Analysis
from domain.candidate import Candidate
from domain.jsonsafe import json_safe
from domain.lineage import Lineage
from domain.source import SourceBlob
from ledger.errors import LedgerError

AGGREGATES: tuple[type[Aggregate], ...] = (Lineage, Candidate, SourceBlob, Analysis)


def _event_classes() -> dict[str, type]:
    found: dict[str, type] = {}
    for aggregate in AGGREGATES:
        for value in vars(aggregate).values():
            if (
                isinstance(value, type)
                and issubclass(value, Aggregate.Event)
                and value.__qualname__.startswith(aggregate.__name__ + ".")
                and value.__name__ not in ("Event", "Created")
            ):
                found[value.__name__] = value
    return found


EVENT_TYPES: dict[str, type] = _event_classes()  # "CandidateAdopted" -> Candidate.CandidateAdopted, ...


def topics_of(types: list[str]) -> list[str]:
    """The stored topics of event type names (any case); a LedgerError naming the known ones for an unknown name."""
    topics = []
    for name in types:
        match = [cls for key, cls in EVENT_TYPES.items() if key.lower() == name.lower()]
        if not match:
            raise LedgerError(f"unknown event type {name!r} (known: {', '.join(sorted(EVENT_TYPES))})")
        topics.append(get_topic(match[0]))
    return topics


def read_events(recorder: ApplicationRecorder, mapper: Mapper, *, types: list[str] | None = None, start: int = 1,
                stop: int | None = None, page: int = 500) -> Iterator[dict]:
    """The log from position start (to stop), read page by page, as event_dict()s."""
    topics = topics_of(types or [])
    position = start
    while True:
        batch = recorder.select_notifications(start=position, limit=page, stop=stop, topics=topics)
        if not batch:
            return
        for notification in batch:
            yield event_dict(notification.id, mapper.to_domain_event(notification))
        position = batch[-1].id + 1


def last_position(recorder: ApplicationRecorder) -> int:
    """The position of the newest event, 0 for an empty log."""
    return recorder.max_notification_id() or 0


def event_dict(position: int, event: Any) -> dict:
    """A stored event as JSON-safe data: {"position", "type", "timestamp", "originator_id", "originator_version",
    and the event's own attributes}."""
    attrs = {k: v for k, v in vars(event).items() if k not in ("originator_id", "originator_version", "timestamp")}
    return {
        "position": position,
        "type": type(event).__name__,
        "timestamp": event.timestamp.isoformat(),
        "originator_id": str(event.originator_id),
        "originator_version": event.originator_version,
        **json_safe({k: (str(v) if isinstance(v, UUID) else v) for k, v in attrs.items()}, "event"),
    }
