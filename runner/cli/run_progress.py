"""`run`'s progress bar: finished candidates (not planner calls) of the run, with elapsed time and ETA.

A candidate is finished once it is rejected by validation or decided; a planner call that gave no candidate,
or one already decided, finishes its iteration too. Candidates an interrupted run left unfinished are
added to the total when the run resumes them. Shown on a terminal only, never with --json.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from domain.candidate import Candidate
from runner.cli.frame_progress import on_terminal
from runner.cli.support import Narrator, Say, console


def run_progress(quiet: bool, to: Console = console) -> Progress:
    return on_terminal(TextColumn("[bold]candidates[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                       "ETA", TimeRemainingColumn(), quiet=quiet, to=to)


class CountingNarrator(Narrator):
    """The run's narration, advancing the bar by one for each candidate (or iteration) finished."""

    def __init__(self, say: Say, progress: Progress, total: int):
        super().__init__(say)
        self.progress = progress
        self.task: TaskID = progress.add_task("candidates", total=total)

    def _done(self) -> None:
        self.progress.advance(self.task)

    def resuming(self, count: int) -> None:
        super().resuming(count)
        self.progress.update(self.task, total=(self.progress.tasks[0].total or 0) + count)

    def rejected(self, candidate: Candidate) -> None:
        super().rejected(candidate)
        self._done()

    def decided(self, candidate: Candidate) -> None:
        super().decided(candidate)
        self._done()

    def no_candidate(self, planner: str, iteration: int, error: str | None) -> None:
        super().no_candidate(planner, iteration, error)
        self._done()

    def already_decided(self, planner: str, candidate: Candidate) -> None:
        super().already_decided(planner, candidate)
        self._done()

    @property
    def finished(self) -> int:
        return int(self.progress.tasks[0].completed)
