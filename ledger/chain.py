"""The tamper-evident chain: every stored event carries a hash linking it to the previous event of its aggregate.

An event's link is sha256 over the previous event's link, its aggregate id, version and topic, and its stored
JSON exactly as the transcoder wrote it (the canonical content). The link is kept inside the stored JSON as its
last key, `"__chain__":"<hex>"`, so the row stays the same JSON on SQLite and PostgreSQL and every reader of the
raw JSON keeps working; the payload that was hashed is that JSON with the key cut off again.

Chaining per aggregate is race-free: the library's optimistic concurrency lets only one writer store version N
of an aggregate, so only one link N exists. An event stored before the chain existed carries no link; the event
after it chains to its content's link from GENESIS, so cutting the link off a chained event still shows.
Snapshots are not chained: they are a cache of the events, which `verify` checks against them instead.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from uuid import UUID

from eventsourcing.domain import Snapshot
from eventsourcing.persistence import ApplicationRecorder, Mapper, StoredEvent

GENESIS = "0" * 64  # the link before an aggregate's first event
_PREFIX = b',"__chain__":"'
_TAIL = re.compile(rb',"__chain__":"([0-9a-f]{64})"}')
_TAIL_LENGTH = len(_PREFIX) + 64 + 2
_CACHE_LIMIT = 100_000  # links remembered per process before the memory is cleared (they are read back when needed)


def link_of(prev: str, originator_id: UUID | str, version: int, topic: str, payload: bytes) -> str:
    """The link of one event: its content chained to the previous event's link."""
    digest = hashlib.sha256(b"codec-ledger chain v1\n")
    digest.update(f"{prev}\n{originator_id}\n{version}\n{topic}\n".encode())
    digest.update(payload)
    return digest.hexdigest()


def split(state: bytes) -> tuple[bytes, str | None]:
    """Stored bytes -> (the payload that was hashed, the link it carries, or None for an unchained event)."""
    state = bytes(state)
    found = _TAIL.fullmatch(state, len(state) - _TAIL_LENGTH)
    if found is None:
        return state, None
    return state[: -_TAIL_LENGTH] + b"}", found.group(1).decode()


def seal(payload: bytes, link: str) -> bytes:
    """The payload (a JSON object) with its link as the last key."""
    if len(payload) < 3 or not payload.endswith(b"}"):  # the transcoder's compact JSON: "{}" is the empty one
        raise ValueError("only a non-empty JSON object can carry a chain link")
    return payload[:-1] + _PREFIX + link.encode() + b'"}'


def next_link(stored: StoredEvent) -> str:
    """What the event after this stored one chains to: its own link, or for an unchained one its content's."""
    payload, link = split(stored.state)
    if link is not None:
        return link
    return link_of(GENESIS, stored.originator_id, stored.originator_version, stored.topic, payload)


class ChainMapper(Mapper[UUID]):
    """The library's mapper, with each aggregate event's link written into, and stripped from, its stored JSON.

    The link of the previous event comes from what this process last read or wrote of the aggregate, or else
    from the store (one read, e.g. after loading from a snapshot). forget() drops what it remembers: after a
    failed save, whose links were never stored.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.compressor is not None or self.cipher is not None:
            raise ValueError("the chained ledger stores plain JSON: no compressor or cipher")
        self.recorder: ApplicationRecorder | None = None
        self._links: dict[tuple[UUID, int], str] = {}

    def attach(self, recorder: ApplicationRecorder) -> None:
        self.recorder = recorder

    def forget(self) -> None:
        self._links.clear()

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        stored = super().to_stored_event(domain_event)
        if isinstance(domain_event, Snapshot):
            return stored
        oid, version = stored.originator_id, stored.originator_version
        link = link_of(self._previous(oid, version), oid, version, stored.topic, stored.state)
        self._remember(oid, version, link)
        return StoredEvent(originator_id=oid, originator_version=version, topic=stored.topic,
                           state=seal(stored.state, link))

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        payload, link = split(stored_event.state)
        if link is not None:
            self._remember(stored_event.originator_id, stored_event.originator_version, link)
            stored_event = StoredEvent(originator_id=stored_event.originator_id,
                                       originator_version=stored_event.originator_version,
                                       topic=stored_event.topic, state=payload)
        return super().to_domain_event(stored_event)

    def _remember(self, oid: UUID | str, version: int, link: str) -> None:
        if len(self._links) >= _CACHE_LIMIT:
            self._links.clear()
        self._links[(_uuid(oid), version)] = link

    def _previous(self, oid: UUID | str, version: int) -> str:
        if version <= 1:
            return GENESIS
        known = self._links.get((_uuid(oid), version - 1))
        if known is not None:
            return known
        if self.recorder is None:
            raise RuntimeError("ChainMapper.attach(recorder) was not called")
        rows = self.recorder.select_events(oid, gt=version - 2, lte=version - 1)
        return next_link(rows[0]) if rows else GENESIS


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)
