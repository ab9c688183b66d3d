"""Reading a view as it stood at a notification position (or at the adoption of a version)."""

from __future__ import annotations

from projections.view import LedgerView

END = 2**62  # later than any position


def upto(position: int | None) -> int:
    return END if position is None else int(position)


def position_of_version(view: LedgerView, lineage: str, version: int) -> int | None:
    """The notification position at which version was adopted (None if the view has no such version)."""
    rows = view.fetch("SELECT position FROM {p}cl_versions WHERE lineage = ? AND version = ?", (lineage, int(version)))
    return rows[0]["position"] if rows else None


def tracked_position(view: LedgerView, application_name: str) -> int:
    return view.max_tracking_id(application_name) or 0
