"""Deterministic identities: the uuid5 names that make a repeated command land on the same aggregate."""

from __future__ import annotations

import hashlib
from uuid import UUID, uuid5

# Fixed for ever: changing it would orphan every recorded aggregate.
NAMESPACE = UUID("6f1c0a52-3d0e-5b8e-9b7a-c0dec1ed9e12")


def sha256_of(text: str) -> str:
    """The sha256 (hex) of a candidate's source, as UTF-8: the key a source is stored under."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lineage_id(name: str) -> UUID:
    return uuid5(NAMESPACE, f"lineage/{name}")


def source_id(sha256: str) -> UUID:
    return uuid5(NAMESPACE, f"source/{sha256}")


def candidate_id(lineage: str, sha256: str, parent_version: int | None) -> UUID:
    """One candidate per (lineage, source, parent version): the same request retried is the same candidate."""
    parent = "none" if parent_version is None else str(int(parent_version))
    return uuid5(NAMESPACE, f"candidate/{lineage}/{sha256}/{parent}")


def analysis_id(lineage: str, key: str) -> UUID:
    """An analysis named by its caller (for example a planner's request id), so a retry records it once."""
    return uuid5(NAMESPACE, f"analysis/{lineage}/{key}")
