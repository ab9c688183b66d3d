"""Watching a run for stalls: after each round, the rules of projections/stall.py, each new stall recorded
on the lineage once and told to the narration."""

from __future__ import annotations

from domain.records import StallRecord
from projections.session import Session
from projections.stall import DEFAULT_IDLE_ITERATIONS, DEFAULT_REPEATS, activity, detect
from runner.evolution.narration import Narration


def watch_for_stalls(session: Session, lineage: str, narration: Narration, *, repeats: int = DEFAULT_REPEATS,
                     idle_iterations: int = DEFAULT_IDLE_ITERATIONS) -> list[StallRecord]:
    """The stalls this call recorded (a stall already recorded is not recorded or told again)."""
    session.refresh()
    seen = activity(session.view, lineage, session.app.source, repeats=repeats)
    recorded = [stall for stall in detect(seen, repeats=repeats, idle_iterations=idle_iterations)
                if session.app.record_stall(lineage, stall)]
    for stall in recorded:
        narration.stalled(stall)
    if recorded:
        session.refresh()
    return recorded
