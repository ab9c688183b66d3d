"""A candidate's source text, stored once and referenced everywhere else by its sha256."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.ids import sha256_of, source_id


class SourceBlob(Aggregate):
    """The exact text of one candidate module; its id is derived from the text's sha256."""

    @staticmethod
    def create_id(sha256: str) -> UUID:
        return source_id(sha256)

    @classmethod
    def store(cls, text: str) -> SourceBlob:
        return cls(sha256=sha256_of(text), text=text)

    @event("SourceStored")
    def __init__(self, sha256: str, text: str):
        if sha256_of(text) != sha256:
            raise ValueError("source text does not match its sha256")
        self.sha256 = sha256
        self.text = text
