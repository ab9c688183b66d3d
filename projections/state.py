"""The status of a lineage, now or as of a position or version: every read model together."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from domain.outcome import OUTCOMES
from projections.adoption_rate import adoption_rate
from projections.asof import position_of_version, upto
from projections.cost import cost
from projections.current_best import BestVersion, best_changes, current_best, versions
from projections.history import history
from projections.value import value_for_money
from projections.view import LedgerView


class NotInView(LookupError):
    """A lineage or version the read models do not hold."""


def lineages(view: LedgerView) -> list[str]:
    return [r["lineage"] for r in view.fetch("SELECT lineage FROM {p}cl_lineages ORDER BY lineage")]


SourceOf = Callable[[str], str]  # sha256 -> source text (CodecLedger.source)


def status(view: LedgerView, lineage: str, position: int | None = None, *, source_of: SourceOf | None = None) -> dict:
    """{"version", "sha256", "metrics", "adoption_rate", "candidates", "decided", a count per outcome, ...}
    as of position."""
    started = view.row("cl_lineages", (lineage,))
    if started is None or (position is not None and started["position"] > position):
        raise NotInView(f"no lineage {lineage!r} in this ledger")
    best: BestVersion | dict[str, Any] = current_best(view, lineage, position, source_of=source_of) or {}
    rate = adoption_rate(view, lineage, position)
    out = {
        "lineage": lineage,
        "position": position,
        "version": best.get("version"),
        "sha256": best.get("sha256"),
        "metrics": best.get("metrics"),
        "adoption_rate": rate["rate"],
        "candidates": rate["candidates"],
        "decided": rate["decided"],
        **{name: rate[name] for name in OUTCOMES},  # adopted, declined, rejected, failed, timeout, oom, violation
        "per_planner": rate["per_planner"],
        "cost": cost(view, lineage, position),
        "value": value_for_money(view, lineage, position),  # dollars per adopted version and per percent saved
        "best": best,
        "suite": json.loads(started["suite"]),
        "policy": json.loads(started["policy"]),
        "versions": view.fetch(
            "SELECT COUNT(*) AS n FROM {p}cl_versions WHERE lineage = ? AND position <= ?", (lineage, upto(position))
        )[0]["n"],
    }
    return out


def replay(view: LedgerView, lineage: str, version: int, *, source_of: SourceOf | None = None) -> dict:
    """Every read model as it stood when version was adopted: the status shape plus "history"."""
    if view.row("cl_lineages", (lineage,)) is None:
        raise NotInView(f"no lineage {lineage!r} in this ledger")
    return full(view, lineage, version_position(view, lineage, version), source_of=source_of)


def version_position(view: LedgerView, lineage: str, version: int) -> int:
    """The log position at which a version was adopted; NotInView, naming the versions there are, if none."""
    position = position_of_version(view, lineage, version)
    if position is None:
        known = [v["version"] for v in versions(view, lineage)]
        listed = f"0..{known[-1]}" if known else "none yet"
        raise NotInView(f"lineage {lineage!r} has no version {version} (versions: {listed})")
    return position


def full(view: LedgerView, lineage: str, position: int | None = None, *, source_of: SourceOf | None = None) -> dict:
    """Status, history, versions and changes of the best: what replay shows and the JSON export writes."""
    out = status(view, lineage, position, source_of=source_of)
    out["history"] = history(view, lineage, position)
    out["version_list"] = versions(view, lineage, position)
    out["best_changes"] = best_changes(view, lineage, position)
    return out
