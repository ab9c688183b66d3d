"""What evolution tells as it works: the stages candidates go through, for a narrator to print.

Narration is the seam: runner/evolution calls it, and the command line's Narrator
(runner/cli/support.py) turns each stage into the lines a user reads. This base tells nothing.
"""

from __future__ import annotations

from domain.candidate import Candidate
from domain.records import StallRecord
from runner.evolution.outcome import SubmitOutcome


class Narration:
    # ---- a candidate's lifecycle (runner/evolution/lifecycle.py)

    def evaluating(self, candidate: Candidate) -> None:
        """Its test starts."""

    def reused(self, candidate: Candidate, earlier: Candidate) -> None:
        """It gets the test result of an earlier candidate with the same source."""

    def rejected(self, candidate: Candidate) -> None:
        """Validation refused it (its reasons are on it)."""

    def remeasuring(self, candidate: Candidate, version: int) -> None:
        """Its decision is close: the best (version) is measured again on its test's material first."""

    def decided(self, candidate: Candidate) -> None:
        """It was tested and then adopted or declined (the decision is on it)."""

    def duplicate(self, outcome: SubmitOutcome) -> None:
        """A submitted source was already decided on this best: nothing was tested or recorded."""

    # ---- the loop (runner/evolution/loop.py)

    def resuming(self, count: int) -> None:
        """An interrupted run left count candidates unfinished; they are finished first."""

    def no_candidate(self, planner: str, iteration: int, error: str | None) -> None:
        """The planner's reply held no usable candidate."""

    def already_decided(self, planner: str, candidate: Candidate) -> None:
        """The planner proposed a source already decided on this best; it is skipped."""

    def stalled(self, stall: StallRecord) -> None:
        """A stall alarm was recorded (projections/stall.py): the search has stopped moving."""


QUIET = Narration()
