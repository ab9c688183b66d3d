"""`baselines`' progress on a terminal: which reference codec runs on which clip, points done of the total, ETA.

Shown on stderr's terminal only, never with --json or into a pipe (runner/cli/frame_progress.py's rule).
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

from runner.cli.frame_progress import on_terminal, what_column


def baseline_progress(quiet: bool, to: Console) -> Progress:
    return on_terminal(what_column(), BarColumn(), MofNCompleteColumn(), "points", TimeElapsedColumn(), "ETA",
                       TimeRemainingColumn(), quiet=quiet, to=to)


class LadderBar:
    """A LadderProgress (runner/evaluation/baselines.py) drawn as one bar of a baseline_progress."""

    def __init__(self, progress: Progress, total: int):
        self.progress = progress
        self.task = progress.add_task("reference codecs", total=total)

    def ladder(self, clip: str, codec: str) -> None:
        self.progress.update(self.task, description=f"{codec} on {clip}")

    def point(self) -> None:
        self.progress.advance(self.task)
