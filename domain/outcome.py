"""A candidate's outcome, in one word: its decision, with the runs that did not round-trip told apart.

A candidate whose test failed, timed out, ran out of memory or was stopped is recorded as
declined (it was judged and not adopted), but it is not a codec that ran: its outcome is its
verdict's category, and its rate and quality figures are not measurements of it.
"""

from __future__ import annotations

from domain.candidate import ADOPTED, DECLINED, PENDING, REJECTED
from domain.verdict import FAILED, OK, OOM, TIMEOUT, VIOLATION

OUTCOMES = (ADOPTED, DECLINED, REJECTED, FAILED, TIMEOUT, OOM, VIOLATION)  # a decided candidate's; else PENDING
MEASURED = (ADOPTED, DECLINED)  # the outcomes of a run that round-tripped: only these have rate and quality


def round_tripped(verdict: str | None, success: bool | None) -> bool:
    """Whether a test with this verdict category and summary success ran and round-tripped every frame."""
    return verdict in (None, OK) and success is not False


def outcome(decision: str | None, verdict: str | None, success: bool | None) -> str:
    """adopted, declined, rejected (by validation), failed, timeout, oom, violation, or pending (not decided)."""
    if decision in (ADOPTED, REJECTED):
        return decision
    if decision != DECLINED:
        return PENDING
    if round_tripped(verdict, success):
        return DECLINED
    return FAILED if verdict in (None, OK) else verdict
