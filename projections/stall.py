"""Stall alarms: a lineage whose search has stopped moving, told from its history.

Three signs, each a pure rule over what the view holds (detect()):

- same program: the last N candidates proposed (default 8) are one program, differing at most in
  comments, docstrings or layout (domain/normalised.py). Their compressed bytes cannot be compared
  directly, because every test measures on material of its own nonce (runner/evaluation/material.py);
  the code that writes them can.
- same figures: the last N tests recorded identical figures (verdict, quality, rate, ratio, PSNR-Y,
  SSIM-Y): a test result reused for the same source, or the same failure again and again.
- no adoption: no version was adopted in the last M planner calls (default 30).

Each stall has a key that stays the same while it lasts (its kind, what repeats, and the position of the
last adoption), so it is recorded once (Lineage.record_stall), not at every round. `stalls()` reads the
recorded ones back, as of any position, for the report.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TypedDict

from domain.normalised import normal_sha256
from domain.records import StallRecord
from projections.asof import upto
from projections.view import LedgerView

SAME_PROGRAM, SAME_FIGURES, NO_ADOPTION = "same_program", "same_figures", "no_adoption"
DEFAULT_REPEATS = 8  # N: proposals or tests in a row
DEFAULT_IDLE_ITERATIONS = 30  # M: planner calls without an adoption

_FIGURES = ("verdict", "quality", "kbps", "ratio", "psnr_y", "ssim_y")  # what "identical figures" compares
_SEED = "seed"  # the planner name of version 0, which no planner proposed


class Proposed(TypedDict):
    """One candidate proposed, as a stall rule reads it."""

    candidate_id: str
    program: str  # normal_sha256 of its source, or its sha256 where it does not parse


class Judged(TypedDict):
    """One decided test, as a stall rule reads it."""

    candidate_id: str
    figures: str  # its recorded figures, as one comparable string


class Activity(TypedDict):
    """What the rules read of a lineage: its latest proposals and tests (oldest first), and its progress."""

    proposed: list[Proposed]  # the last N at most
    tested: list[Judged]  # the last N at most
    last_adoption: int  # the log position of the latest version's adoption
    calls_since_adoption: int  # planner calls recorded after it


def detect(activity: Activity, *, repeats: int = DEFAULT_REPEATS,
           idle_iterations: int = DEFAULT_IDLE_ITERATIONS) -> list[StallRecord]:
    """The stalls this activity shows (none, or one of each kind)."""
    found: list[StallRecord] = []
    since = activity["last_adoption"]
    proposed, tested = activity["proposed"][-repeats:], activity["tested"][-repeats:]
    if len(proposed) == repeats and len({p["program"] for p in proposed}) == 1:
        program = proposed[0]["program"]
        found.append(StallRecord(
            kind=SAME_PROGRAM, key=f"{SAME_PROGRAM}:{since}:{program[:16]}", since_position=since,
            candidates=[p["candidate_id"] for p in proposed],
            message=f"the last {repeats} candidates proposed are one program (only comments or layout differ)"))
    if len(tested) == repeats and len({t["figures"] for t in tested}) == 1:
        figures = hashlib.sha256(tested[0]["figures"].encode()).hexdigest()[:16]
        found.append(StallRecord(
            kind=SAME_FIGURES, key=f"{SAME_FIGURES}:{since}:{figures}", since_position=since,
            candidates=[t["candidate_id"] for t in tested],
            message=f"the last {repeats} tests recorded identical figures ({tested[0]['figures']})"))
    if activity["calls_since_adoption"] >= idle_iterations:
        found.append(StallRecord(
            kind=NO_ADOPTION, key=f"{NO_ADOPTION}:{since}", since_position=since, candidates=[],
            message=f"no version adopted in the last {activity['calls_since_adoption']} planner calls "
                    f"(alarm at {idle_iterations})"))
    return found


def activity(view: LedgerView, lineage: str, source_of: Callable[[str], str], *,
             repeats: int = DEFAULT_REPEATS) -> Activity:
    """The lineage's latest proposals and tests and its progress, from the view (sources through source_of)."""
    proposed = view.fetch(
        "SELECT candidate_id, sha256 FROM {p}cl_candidates WHERE lineage = ? AND planner != ? "
        "ORDER BY position DESC LIMIT ?", (lineage, _SEED, repeats))
    tested = view.fetch(
        f"SELECT candidate_id, {', '.join(_FIGURES)} FROM {{p}}cl_candidates WHERE lineage = ? AND planner != ? "
        "AND decision IN ('adopted', 'declined') ORDER BY decided_position DESC LIMIT ?", (lineage, _SEED, repeats))
    last = view.fetch("SELECT MAX(position) AS at FROM {p}cl_versions WHERE lineage = ?", (lineage,))[0]["at"] or 0
    calls = view.fetch("SELECT COUNT(*) AS n FROM {p}cl_analyses WHERE lineage = ? AND position > ?",
                       (lineage, last))[0]["n"]
    return Activity(
        proposed=[Proposed(candidate_id=r["candidate_id"], program=_program(source_of(r["sha256"]), r["sha256"]))
                  for r in reversed(proposed)],
        tested=[Judged(candidate_id=r["candidate_id"], figures=_figures(r)) for r in reversed(tested)],
        last_adoption=int(last), calls_since_adoption=int(calls))


def stalls(view: LedgerView, lineage: str, position: int | None = None) -> list[dict]:
    """The stalls recorded for a lineage up to position, oldest first: {position, at, kind, message, candidates}."""
    rows = view.fetch(
        "SELECT position, at, kind, message, candidates FROM {p}cl_stalls WHERE lineage = ? AND position <= ? "
        "ORDER BY position", (lineage, upto(position)))
    return [{**r, "candidates": json.loads(r["candidates"])} for r in rows]


def _program(source: str, sha256: str) -> str:
    return normal_sha256(source) or sha256


def _figures(row: dict) -> str:
    return ", ".join(f"{name} {_figure(row[name])}" for name in _FIGURES)


def _figure(value: object) -> str:
    return "-" if value is None else format(value, ".6g") if isinstance(value, float) else str(value)
